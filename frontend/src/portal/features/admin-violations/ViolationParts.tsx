import { ModalForm, ProFormRadio, ProFormTextArea } from '@ant-design/pro-components';
import { Alert, App, Button, Flex, Form, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { AuditOutlined } from '@ant-design/icons';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useMutation } from 'urql';
import { AdminViolationDecideDocument, type AdminViolationFieldsFragment } from '../../../gql/graphql';
import { ApiError, fieldErrors, type UserError } from '../../lib/ApiError';
import { formatDateTime } from '../../lib/format';

// What the violation pages share: a code's label in the reader's language (the API's own English name for
// a code the portal does not know), the table of violations, and the appeal decision.

export function useCodeLabel() {
  const { t, i18n } = useTranslation();
  return {
    name: (code: string, fallback?: string) => (i18n.exists(`admin-violations.code_.${code}`) ? t(`admin-violations.code_.${code}`) : (fallback ?? code)),
    description: (code: string, fallback?: string) =>
      i18n.exists(`admin-violations.codeDesc.${code}`) ? t(`admin-violations.codeDesc.${code}`) : (fallback ?? ''),
  };
}

export const violationStatusColor: Record<string, string> = { ACTIVE: 'red', APPEALED: 'gold', REVOKED: 'default', UPHELD: 'volcano' };
export const trackColor: Record<string, string> = { GENERAL: 'blue', SERIOUS: 'magenta' };

export type ViolationRow = AdminViolationFieldsFragment & { store?: { id: string; name: string; timeZone: string } };

export function ViolationsTable({
  rows,
  timeZone,
  showStore,
  loading,
  emptyText,
  decidable,
  testId,
}: {
  rows: ViolationRow[];
  timeZone?: string;
  showStore?: boolean;
  loading?: boolean;
  emptyText: string;
  decidable?: boolean;
  testId?: string;
}) {
  const { t, i18n } = useTranslation();
  const codes = useCodeLabel();
  const lang = i18n.language;
  const tz = (r: ViolationRow) => r.store?.timeZone ?? timeZone;
  const columns: ColumnsType<ViolationRow> = [
    ...(showStore
      ? [
          {
            key: 'store',
            title: t('admin-violations.store'),
            width: 140,
            render: (_: unknown, r: ViolationRow) =>
              r.store ? <Link to={`/admin/stores/${encodeURIComponent(r.store.id)}`}>{r.store.name}</Link> : '—',
          },
        ]
      : []),
    {
      key: 'code',
      title: t('admin-violations.code'),
      width: 210,
      render: (_, r) => (
        <Flex vertical gap={2}>
          <Typography.Text strong>{codes.name(r.code)}</Typography.Text>
          <Space size={4} wrap>
            <Tag color={trackColor[r.track]}>{t(`enums.ViolationTrack.${r.track}`)}</Tag>
            <Tag className="tg-num" data-testid="violation-points">
              {t('admin-violations.pointsShort', { count: r.points })}
            </Tag>
            <Typography.Text type="secondary" className="tg-mono" style={{ fontSize: 12 }}>
              {r.code}
            </Typography.Text>
          </Space>
        </Flex>
      ),
    },
    {
      key: 'note',
      title: t('admin-violations.note'),
      render: (_, r) => (
        <Flex vertical gap={2}>
          {r.note ? <Typography.Text>{r.note}</Typography.Text> : <Typography.Text type="secondary">{codes.description(r.code)}</Typography.Text>}
          {r.evidence && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('admin-violations.evidence')}: {r.evidence}
            </Typography.Text>
          )}
          {r.case && (
            <Typography.Text style={{ fontSize: 12 }}>
              {t('admin-violations.case')}: <Link to={`/cases/${encodeURIComponent(r.case.id)}`} className="tg-inline-link">
                {r.case.number}
              </Link>
            </Typography.Text>
          )}
        </Flex>
      ),
    },
    {
      key: 'issued',
      title: t('admin-violations.issuedAt'),
      width: 170,
      render: (_, r) => (
        <Flex vertical gap={0}>
          <Typography.Text>{formatDateTime(r.issuedAt, lang, tz(r))}</Typography.Text>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t(`admin-violations.issuer.${r.issuedBy === 'SYSTEM' ? 'SYSTEM' : 'ADMIN'}`)} · {t('admin-violations.expiresAt')} {formatDateTime(r.expiresAt, lang, tz(r))}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      key: 'status',
      title: t('admin-violations.status'),
      width: 230,
      render: (_, r) => (
        <Flex vertical gap={2} data-testid="violation-status" data-status={r.status}>
          <span>
            <Tag color={violationStatusColor[r.status]}>{t(`enums.ViolationStatus.${r.status}`)}</Tag>
          </span>
          {r.appealReason && (
            <Typography.Paragraph style={{ fontSize: 12, marginBottom: 0 }} ellipsis={{ rows: 3, tooltip: r.appealReason }}>
              <Typography.Text strong style={{ fontSize: 12 }}>
                {t('admin-violations.appealReason')}:
              </Typography.Text>{' '}
              {r.appealReason}
            </Typography.Paragraph>
          )}
          {r.appealedAt && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('admin-violations.appealedAt', { time: formatDateTime(r.appealedAt, lang, tz(r)) })}
            </Typography.Text>
          )}
          {r.decisionNote && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('admin-violations.decision')}: {r.decisionNote}
            </Typography.Text>
          )}
          {r.status === 'ACTIVE' && Date.parse(r.appealDeadline) > Date.now() && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('admin-violations.appealDeadline', { time: formatDateTime(r.appealDeadline, lang, tz(r)) })}
            </Typography.Text>
          )}
        </Flex>
      ),
    },
    ...(decidable
      ? [
          {
            key: 'actions',
            title: t('common.actions'),
            width: 96,
            render: (_: unknown, r: ViolationRow) => (r.status === 'APPEALED' ? <DecideAppeal violation={r} /> : null),
          },
        ]
      : []),
  ];
  return (
    <Table<ViolationRow>
      data-testid={testId}
      rowKey="id"
      size="middle"
      loading={loading}
      columns={columns}
      dataSource={rows}
      pagination={false}
      locale={{ emptyText }}
    />
  );
}

// Uphold or revoke an appealed violation, with the note the store reads. The dialog is the confirmation.
// Every list holding the store or the violation is refreshed by urql's invalidation.
export function DecideAppeal({ violation }: { violation: ViolationRow }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const codes = useCodeLabel();
  const [form] = Form.useForm<{ outcome: 'uphold' | 'revoke'; note: string }>();
  const [, decide] = useMutation(AdminViolationDecideDocument);
  const [rest, setRest] = useState<readonly UserError[]>([]);
  const storeName = violation.store?.name ?? '';
  return (
    <ModalForm<{ outcome: 'uphold' | 'revoke'; note: string }>
      name="decide"
      form={form}
      width={560}
      title={t('admin-violations.decideTitle', { store: storeName })}
      trigger={
        <Button size="small" type="primary" ghost icon={<AuditOutlined />} data-testid="decide-appeal">
          {t('admin-violations.decide')}
        </Button>
      }
      modalProps={{ destroyOnHidden: true, onCancel: () => setRest([]) }}
      submitter={{ searchConfig: { submitText: t('admin-violations.decideOk'), resetText: t('common.cancel') } }}
      onFinish={async ({ outcome, note }) => {
        setRest([]);
        const r = await decide({ input: { violationId: violation.id, uphold: outcome === 'uphold', note: note.trim() } }, { additionalTypenames: ['Store', 'Violation'] });
        if (r.error) {
          setRest([{ code: 'ERROR', message: r.error.message }]);
          return false;
        }
        const errs = r.data?.violationDecide.userErrors ?? [];
        if (errs.length) {
          const { fields, rest: other } = fieldErrors(errs);
          form.setFields(fields.map((f) => ({ name: f.name === 'uphold' ? 'outcome' : f.name, errors: f.errors })) as Parameters<typeof form.setFields>[0]);
          setRest(other);
          return false;
        }
        message.success(t('admin-violations.decided'));
        return true;
      }}
    >
      <Space direction="vertical" size={12} style={{ width: '100%' }}>
        <Alert
          type="info"
          showIcon
          message={`${codes.name(violation.code)} · ${t(`enums.ViolationTrack.${violation.track}`)} · ${violation.points}`}
          description={
            <>
              <div>{violation.note}</div>
              {violation.appealReason && (
                <div style={{ marginTop: 4 }}>
                  <Typography.Text strong>{t('admin-violations.appealReason')}: </Typography.Text>
                  {violation.appealReason}
                </div>
              )}
            </>
          }
        />
        <ApiError userErrors={rest} />
        <ProFormRadio.Group
          name="outcome"
          label={t('admin-violations.decideOutcome')}
          rules={[{ required: true, message: t('admin-violations.outcomeRequired') }]}
          options={[
            { value: 'uphold', label: `${t('admin-violations.uphold')} — ${t('admin-violations.upholdHelp')}` },
            { value: 'revoke', label: `${t('admin-violations.revoke')} — ${t('admin-violations.revokeHelp')}` },
          ]}
          fieldProps={{ style: { display: 'flex', flexDirection: 'column', gap: 8 } }}
        />
        <ProFormTextArea
          name="note"
          label={t('admin-violations.decideNote')}
          placeholder={t('admin-violations.decideNotePlaceholder')}
          fieldProps={{ maxLength: 2000, showCount: true, rows: 3 }}
          rules={[{ required: true, whitespace: true, message: t('admin-violations.decideNoteRequired') }]}
        />
      </Space>
    </ModalForm>
  );
}
