import { ModalForm, ProFormTextArea } from '@ant-design/pro-components';
import { Alert, App, Button, Form, Space, Typography } from 'antd';
import { UnlockOutlined } from '@ant-design/icons';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation } from 'urql';
import { AdminPenaltyLiftDocument, type AdminPenaltyFieldsFragment } from '../../../gql/graphql';
import { ApiError, fieldErrors, type UserError } from '../../lib/ApiError';
import { formatDateTime } from '../../lib/format';

// Lift a penalty after a platform review: the reason is required and recorded; the dialog is the
// confirmation (it says what lifting does and to which store).
// The lists that show the penalty are refreshed by urql's invalidation of what holds a Store or a Penalty
// (one network-only re-execution each; a second, explicit refetch would abort it mid-flight).
export function PenaltyLiftButton({ penalty }: { penalty: AdminPenaltyFieldsFragment }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ note: string }>();
  const [, lift] = useMutation(AdminPenaltyLiftDocument);
  const [rest, setRest] = useState<readonly UserError[]>([]);
  const kind = t(`enums.PenaltyKind.${penalty.kind}`);
  return (
    <ModalForm<{ note: string }>
      name="lift"
      form={form}
      title={t('admin-store.liftTitle', { kind, store: penalty.store.name })}
      width={520}
      trigger={
        <Button size="small" danger icon={<UnlockOutlined />} data-testid="penalty-lift" aria-label={t('admin-store.liftAria', { kind })}>
          {t('admin-store.lift')}
        </Button>
      }
      modalProps={{ destroyOnHidden: true, onCancel: () => setRest([]) }}
      submitter={{ searchConfig: { submitText: t('admin-store.liftConfirm'), resetText: t('common.cancel') }, submitButtonProps: { danger: true } }}
      onFinish={async ({ note }) => {
        setRest([]);
        const r = await lift({ input: { penaltyId: penalty.id, note: note.trim() } }, { additionalTypenames: ['Store', 'Penalty'] });
        if (r.error) {
          setRest([{ code: 'ERROR', message: r.error.message }]);
          return false;
        }
        const errs = r.data?.penaltyLift.userErrors ?? [];
        if (errs.length) {
          const { fields, rest: other } = fieldErrors(errs);
          form.setFields(fields as Parameters<typeof form.setFields>[0]);
          setRest(other);
          return false;
        }
        message.success(t('admin-store.lifted', { kind }));
        return true;
      }}
    >
      <Space direction="vertical" style={{ width: '100%' }} size={12}>
        <Alert
          type="warning"
          showIcon
          message={t('admin-store.liftWarning')}
          description={
            <Typography.Text type="secondary">
              {t('admin-store.liftDetail', {
                track: t(`enums.ViolationTrack.${penalty.track}`),
                points: penalty.points,
                since: formatDateTime(penalty.startsAt, i18n.language, penalty.store.timeZone),
              })}
            </Typography.Text>
          }
        />
        <ApiError userErrors={rest} />
        <ProFormTextArea
          name="note"
          label={t('admin-store.liftReason')}
          placeholder={t('admin-store.liftReasonPlaceholder')}
          fieldProps={{ maxLength: 2000, showCount: true, rows: 3 }}
          rules={[{ required: true, whitespace: true, message: t('admin-store.liftReasonRequired') }]}
        />
      </Space>
    </ModalForm>
  );
}
