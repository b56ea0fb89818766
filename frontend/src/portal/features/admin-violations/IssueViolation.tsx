import { ModalForm, ProFormDigit, ProFormSelect, ProFormTextArea } from '@ant-design/pro-components';
import { Alert, App, Flex, Form, Space, Tag, Typography } from 'antd';
import { useLayoutEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery } from 'urql';
import { AdminViolationCasesDocument, AdminViolationIssueDocument, type AdminViolationsDeskQuery } from '../../../gql/graphql';
import { ApiError, fieldErrors, type UserError } from '../../lib/ApiError';
import { FormSelect } from '../scoreboard/FormSelect';
import { trackColor, useCodeLabel } from './ViolationParts';

type Code = AdminViolationsDeskQuery['violationCodes'][number];
interface Values {
  storeId: string;
  code: string;
  points: number;
  note?: string;
  evidence: string;
  caseId?: string;
}

const MAX_POINTS = 48;

// Issue a violation to a store: the codes an admin issues (the system's own are shown, not selectable),
// points defaulting to the code's, a description the store reads, the evidence (required), an optional
// case. A last confirmation says what it does to the store before it is sent.
export function IssueViolation({
  open,
  onOpenChange,
  stores,
  codes,
  initialStoreId,
  onIssued,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  stores: { id: string; name: string; slug: string }[];
  codes: Code[];
  initialStoreId?: string;
  onIssued: (storeName: string) => void;
}) {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const label = useCodeLabel();
  const [form] = Form.useForm<Values>();
  const storeId = Form.useWatch('storeId', form);
  const code = Form.useWatch('code', form);
  const points = Form.useWatch('points', form);
  const [, issue] = useMutation(AdminViolationIssueDocument);
  const [rest, setRest] = useState<readonly UserError[]>([]);
  const [{ data: cases, fetching: casesLoading }] = useQuery({ query: AdminViolationCasesDocument, variables: { storeId: storeId ?? '' }, pause: !storeId });
  const chosen = codes.find((c) => c.code === code);

  // Before the modal is painted: a reset after it (an effect) could wipe what the user already did there.
  useLayoutEffect(() => {
    if (open) {
      setRest([]);
      form.resetFields();
      if (initialStoreId) form.setFieldsValue({ storeId: initialStoreId });
    }
  }, [open, initialStoreId, form]);

  const send = async (v: Values): Promise<boolean> => {
    setRest([]);
    const r = await issue({
      input: {
        storeId: v.storeId,
        code: v.code,
        points: v.points,
        note: v.note?.trim() || undefined,
        evidence: v.evidence.trim(),
        caseId: v.caseId || undefined,
      },
    }, { additionalTypenames: ['Store', 'Violation'] });
    if (r.error) {
      setRest([{ code: 'ERROR', message: r.error.message }]);
      return false;
    }
    const errs = r.data?.violationIssue.userErrors ?? [];
    if (errs.length) {
      const { fields, rest: other } = fieldErrors(errs);
      form.setFields(fields as Parameters<typeof form.setFields>[0]);
      setRest(other);
      return false;
    }
    onIssued(stores.find((s) => s.id === v.storeId)?.name ?? '');
    return true;
  };

  return (
    <ModalForm<Values>
      name="issue"
      form={form}
      open={open}
      onOpenChange={onOpenChange}
      title={t('admin-violations.issueTitle')}
      width={640}
      modalProps={{ destroyOnHidden: true }}
      submitter={{ searchConfig: { submitText: t('admin-violations.issueOk'), resetText: t('common.cancel') }, submitButtonProps: { danger: true } }}
      onFinish={(v) =>
        new Promise<boolean>((resolve) => {
          const storeName = stores.find((s) => s.id === v.storeId)?.name ?? '';
          const c = codes.find((x) => x.code === v.code);
          modal.confirm({
            title: t('admin-violations.confirmIssueTitle'),
            content: t('admin-violations.confirmIssue', {
              points: v.points,
              track: c ? t(`enums.ViolationTrack.${c.track}`) : '',
              store: storeName,
            }),
            okText: t('admin-violations.issueOk'),
            okButtonProps: { danger: true },
            cancelText: t('common.cancel'),
            onOk: async () => resolve(await send(v)),
            onCancel: () => resolve(false),
          });
        })
      }
      data-testid="issue-violation"
    >
      <Space direction="vertical" size={4} style={{ width: '100%' }}>
        <ApiError userErrors={rest} />
        <Form.Item name="storeId" label={t('admin-violations.store')} rules={[{ required: true, message: t('admin-violations.storeRequired') }]}>
          <FormSelect<string>
            placeholder={t('admin-violations.storePlaceholder')}
            showSearch
            optionFilterProp="search"
            onChange={() => form.setFieldValue('caseId', undefined)}
            options={stores.map((s) => ({ value: s.id, label: `${s.name} (${s.slug})`, search: `${s.name} ${s.slug}` }))}
          />
        </Form.Item>
        <Form.Item
          name="code"
          label={t('admin-violations.code')}
          rules={[{ required: true, message: t('admin-violations.codeRequired') }]}
          extra={chosen && <Typography.Text type="secondary">{label.description(chosen.code, chosen.description)}</Typography.Text>}
        >
          <FormSelect<string>
            placeholder={t('admin-violations.codePlaceholder')}
            onChange={(value) => {
              const c = codes.find((x) => x.code === value);
              if (c) form.setFieldValue('points', c.defaultPoints);
            }}
            optionLabelProp="title"
            options={codes.map((c) => ({
              value: c.code,
              title: label.name(c.code, c.name),
              disabled: c.issuedBy !== 'ADMIN',
              label: (
                <Flex justify="space-between" gap={8}>
                  <span>
                    {label.name(c.code, c.name)}
                    {c.issuedBy !== 'ADMIN' && (
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {' '}
                        · {t('admin-violations.systemIssued')}
                      </Typography.Text>
                    )}
                  </span>
                  <Space size={4}>
                    <Tag color={trackColor[c.track]}>{t(`enums.ViolationTrack.${c.track}`)}</Tag>
                    <Typography.Text type="secondary">{t('admin-violations.pointsShort', { count: c.defaultPoints })}</Typography.Text>
                  </Space>
                </Flex>
              ),
            }))}
          />
        </Form.Item>
        <ProFormDigit
          name="points"
          label={t('admin-violations.points')}
          min={1}
          max={MAX_POINTS}
          fieldProps={{ precision: 0 }}
          extra={chosen && t('admin-violations.pointsHelp', { points: chosen.defaultPoints })}
          rules={[
            { required: true, message: t('admin-violations.pointsRange') },
            { type: 'number', min: 1, max: MAX_POINTS, message: t('admin-violations.pointsRange') },
          ]}
        />
        <ProFormTextArea
          name="note"
          label={t('admin-violations.note')}
          placeholder={t('admin-violations.notePlaceholder')}
          fieldProps={{ maxLength: 2000, showCount: true, rows: 2 }}
        />
        <ProFormTextArea
          name="evidence"
          label={t('admin-violations.evidence')}
          placeholder={t('admin-violations.evidencePlaceholder')}
          fieldProps={{ maxLength: 4000, showCount: true, rows: 3 }}
          rules={[{ required: true, whitespace: true, message: t('admin-violations.evidenceRequired') }]}
        />
        <ProFormSelect
          name="caseId"
          label={t('admin-violations.case')}
          placeholder={t('admin-violations.casePlaceholder')}
          disabled={!storeId}
          fieldProps={{
            allowClear: true,
            showSearch: true,
            optionFilterProp: 'label',
            loading: casesLoading,
            options: (cases?.afterSalesCases.nodes ?? []).map((c) => ({
              value: c.id,
              label: `${c.number} · ${t(`enums.AfterSalesCaseType.${c.type}`)} · ${t(`enums.AfterSalesCaseStatus.${c.status}`)}`,
            })),
          }}
        />
        {chosen && storeId && (
          <Alert
            type={chosen.track === 'SERIOUS' ? 'warning' : 'info'}
            showIcon
            data-testid="issue-summary"
            message={t('admin-violations.confirmIssue', {
              points: points ?? chosen.defaultPoints,
              track: t(`enums.ViolationTrack.${chosen.track}`),
              store: stores.find((s) => s.id === storeId)?.name ?? '',
            })}
          />
        )}
      </Space>
    </ModalForm>
  );
}
