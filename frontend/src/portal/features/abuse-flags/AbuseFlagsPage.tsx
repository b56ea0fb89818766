import { ModalForm, PageContainer, ProFormTextArea } from '@ant-design/pro-components';
import { Alert, App, Badge, Button, Card, Col, Descriptions, Empty, Flex, Form, Input, Result, Row, Select, Space, Table, Tag, Timeline, Typography } from 'antd';
import { FlagOutlined, SafetyCertificateOutlined, SearchOutlined } from '@ant-design/icons';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery } from 'urql';
import { AdminAbuseBuyerDocument, AdminAbuseRecentBuyersDocument, AdminBuyerAbuseFlagSetDocument, type AdminAbuseBuyerQuery } from '../../../gql/graphql';
import { ApiError, fieldErrors, type UserError } from '../../lib/ApiError';
import { formatDateTime } from '../../lib/format';
import { PageLoading } from '../../lib/PageLoading';
import { useUrlList } from '../scoreboard/listState';
import '../scoreboard/admin.css';

type Buyer = Extract<NonNullable<AdminAbuseBuyerQuery['node']>, { abuseFlags: unknown }>;
type Flag = Buyer['abuseFlags'][number];

// Flag a buyer as abusive, or clear the flag, with the reason; the buyer's flags and account history. The
// API has no buyer search: a buyer is picked from the latest orders' buyers or by account id (?buyer=).
export default function AbuseFlagsPage() {
  const { t } = useTranslation();
  const list = useUrlList();
  const buyerId = list.get('buyer');
  const [{ data: recent, fetching: recentLoading }] = useQuery({ query: AdminAbuseRecentBuyersDocument });
  const [idText, setIdText] = useState(buyerId ?? '');
  useEffect(() => setIdText(buyerId ?? ''), [buyerId]);

  const buyers = useMemo(() => {
    const m = new Map<string, { id: string; displayName: string; email: string | null; orders: number }>();
    for (const o of recent?.orders.nodes ?? []) {
      const b = m.get(o.buyer.id) ?? { ...o.buyer, orders: 0 };
      b.orders++;
      m.set(o.buyer.id, b);
    }
    return [...m.values()].sort((a, b) => a.displayName.localeCompare(b.displayName, undefined, { numeric: true }));
  }, [recent]);

  return (
    <PageContainer className="tg-page" title={t('abuse-flags.title')} subTitle={t('abuse-flags.subtitle')}>
      <Space direction="vertical" size={16} style={{ width: '100%' }}>
        <Card title={t('abuse-flags.lookup')} size="small">
          <Typography.Paragraph type="secondary">{t('abuse-flags.lookupHint', { count: recent?.orders.nodes.length ?? 100 })}</Typography.Paragraph>
          <Form layout="vertical" onFinish={() => idText.trim() && list.set({ buyer: idText.trim() })}>
            <Row gutter={16}>
              <Col xs={24} lg={12}>
                <Form.Item label={t('abuse-flags.recent')} htmlFor="abuse-recent" style={{ marginBottom: 8 }}>
                  <Select
                    id="abuse-recent"
                    data-testid="buyer-select"
                    showSearch
                    allowClear
                    loading={recentLoading}
                    placeholder={t('abuse-flags.recentPlaceholder')}
                    optionFilterProp="search"
                    value={buyers.some((b) => b.id === buyerId) ? buyerId : undefined}
                    onChange={(v?: string) => list.set({ buyer: v })}
                    options={buyers.map((b) => ({
                      value: b.id,
                      search: `${b.displayName} ${b.email ?? ''}`,
                      label: t('abuse-flags.recentOption', { name: b.displayName, email: b.email ?? '—', orders: b.orders }),
                    }))}
                  />
                </Form.Item>
              </Col>
              <Col xs={24} lg={12}>
                <Form.Item label={t('abuse-flags.byId')} htmlFor="abuse-id" style={{ marginBottom: 8 }}>
                  <Space.Compact style={{ width: '100%' }}>
                    <Input id="abuse-id" data-testid="buyer-id" className="tg-mono" value={idText} placeholder={t('abuse-flags.byIdPlaceholder')} onChange={(e) => setIdText(e.target.value)} />
                    <Button type="primary" htmlType="submit" icon={<SearchOutlined />} disabled={!idText.trim()}>
                      {t('abuse-flags.open')}
                    </Button>
                  </Space.Compact>
                </Form.Item>
              </Col>
            </Row>
          </Form>
        </Card>
        {buyerId ? <BuyerPanel id={buyerId} /> : <Card><Empty description={t('abuse-flags.none')} /></Card>}
      </Space>
    </PageContainer>
  );
}

function BuyerPanel({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const [{ data, error, fetching }, refetch] = useQuery({ query: AdminAbuseBuyerDocument, variables: { id } });
  if (!data && fetching) return <PageLoading />;
  if (!data && error) return <ApiError error={error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />;
  const buyer = data?.node && 'abuseFlags' in data.node ? (data.node as Buyer) : null;
  if (!buyer) {
    return (
      <Card>
        <div data-testid="buyer-not-found">
          <Result status="404" title={t('abuse-flags.notFound')} subTitle={t('abuse-flags.notFoundText')} />
        </div>
      </Card>
    );
  }
  if (buyer.role !== 'BUYER') {
    return (
      <Card>
        <Result status="warning" title={t('abuse-flags.notBuyer')} subTitle={t('abuse-flags.notBuyerText')} />
      </Card>
    );
  }
  const active = buyer.abuseFlags.find((f) => !f.clearedAt);
  const reload = () => refetch({ requestPolicy: 'network-only' });
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }} data-testid="buyer-panel">
      <ApiError error={error} onRetry={reload} />
      <Card
        title={
          <Space>
            <span data-testid="buyer-name">{buyer.displayName}</span>
            {active ? (
              <Tag color="red" icon={<FlagOutlined />}>
                {t('abuse-flags.flagged')}
              </Tag>
            ) : (
              <Tag color="green" icon={<SafetyCertificateOutlined />}>
                {t('abuse-flags.notFlagged')}
              </Tag>
            )}
          </Space>
        }
        extra={<FlagButton buyer={buyer} flagged={!!active} />}
      >
        <Descriptions column={{ xs: 1, sm: 1, md: 2, lg: 2, xl: 2, xxl: 2 }} size="small" className="tg-kv">
          <Descriptions.Item label={t('abuse-flags.name')}>{buyer.displayName}</Descriptions.Item>
          <Descriptions.Item label={t('abuse-flags.email')}>{buyer.email ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('abuse-flags.role')}>{t(`enums.Role.${buyer.role}`)}</Descriptions.Item>
          <Descriptions.Item label={t('abuse-flags.id')}>
            <Typography.Text copyable className="tg-mono" style={{ fontSize: 12 }}>
              {buyer.id}
            </Typography.Text>
          </Descriptions.Item>
          <Descriptions.Item label={t('abuse-flags.status')} span={2}>
            <span data-testid="flag-status" data-flagged={active ? 'true' : 'false'}>
              {active ? (
                <Space direction="vertical" size={0}>
                  <Badge status="error" text={`${t('abuse-flags.flagged')} ${t('abuse-flags.flaggedSince', { time: formatDateTime(active.flaggedAt, lang) })}`} />
                  <Typography.Text type="secondary">{active.reason}</Typography.Text>
                </Space>
              ) : (
                <Badge status="success" text={t('abuse-flags.notFlagged')} />
              )}
            </span>
          </Descriptions.Item>
        </Descriptions>
      </Card>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={14}>
          <Card title={t('abuse-flags.flags')} size="small" className="tg-table-card">
            <Table<Flag>
              data-testid="buyer-flags"
              rowKey={(f) => f.flaggedAt}
              size="middle"
              pagination={false}
              dataSource={buyer.abuseFlags}
              locale={{ emptyText: t('abuse-flags.flagsEmpty') }}
              columns={[
                {
                  key: 'state',
                  title: t('abuse-flags.status'),
                  width: 100,
                  render: (_, f) => (f.clearedAt ? <Tag>{t('abuse-flags.ended')}</Tag> : <Tag color="red">{t('abuse-flags.active')}</Tag>),
                },
                { key: 'reason', title: t('abuse-flags.reason'), render: (_, f) => f.reason },
                { key: 'at', title: t('abuse-flags.flaggedAt'), width: 170, render: (_, f) => formatDateTime(f.flaggedAt, lang) },
                {
                  key: 'cleared',
                  title: t('abuse-flags.clearedAt'),
                  width: 220,
                  render: (_, f) =>
                    f.clearedAt ? (
                      <Flex vertical gap={0}>
                        <span>{formatDateTime(f.clearedAt, lang)}</span>
                        {f.clearReason && (
                          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                            {f.clearReason}
                          </Typography.Text>
                        )}
                      </Flex>
                    ) : (
                      '—'
                    ),
                },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} xl={10}>
          <Card title={t('abuse-flags.history')} size="small" data-testid="buyer-history">
            {buyer.history.length === 0 ? (
              <Empty description={t('abuse-flags.historyEmpty')} />
            ) : (
              <Timeline
                style={{ marginTop: 12 }}
                items={[...buyer.history].reverse().map((h) => ({
                  color: h.action === 'ABUSE_FLAG_SET' ? 'red' : h.action === 'ABUSE_FLAG_CLEARED' ? 'green' : 'gray',
                  children: (
                    <Flex vertical gap={0}>
                      <Typography.Text strong>{i18n.exists(`abuse-flags.action.${h.action}`) ? t(`abuse-flags.action.${h.action}`) : h.action}</Typography.Text>
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {formatDateTime(h.at, lang)} · {t(`enums.OrderActor.${h.actor}`)}
                      </Typography.Text>
                      {h.reason && <Typography.Text>{h.reason}</Typography.Text>}
                    </Flex>
                  ),
                }))}
              />
            )}
          </Card>
        </Col>
      </Row>
    </Space>
  );
}

// Set or clear the flag: the dialog is the confirmation, says what it does to the stores' metrics, and
// takes the reason (1 to 2000 characters, required by the API too).
// The buyer's panel is refreshed by urql's invalidation of the User the mutation returns.
function FlagButton({ buyer, flagged }: { buyer: Buyer; flagged: boolean }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ reason: string }>();
  const [, setFlag] = useMutation(AdminBuyerAbuseFlagSetDocument);
  const [rest, setRest] = useState<readonly UserError[]>([]);
  const name = buyer.displayName;
  return (
    <ModalForm<{ reason: string }>
      name="abuse"
      form={form}
      width={560}
      title={t(flagged ? 'abuse-flags.clearTitle' : 'abuse-flags.flagTitle', { name })}
      trigger={
        <Button type={flagged ? 'default' : 'primary'} danger={!flagged} icon={flagged ? <SafetyCertificateOutlined /> : <FlagOutlined />} data-testid={flagged ? 'clear-flag' : 'set-flag'}>
          {t(flagged ? 'abuse-flags.clear' : 'abuse-flags.flag')}
        </Button>
      }
      modalProps={{ destroyOnHidden: true, onCancel: () => setRest([]) }}
      submitter={{ searchConfig: { submitText: t(flagged ? 'abuse-flags.clearOk' : 'abuse-flags.flagOk'), resetText: t('common.cancel') }, submitButtonProps: { danger: !flagged } }}
      onFinish={async ({ reason }) => {
        setRest([]);
        const r = await setFlag({ input: { buyerId: buyer.id, flagged: !flagged, reason: reason.trim() } }, { additionalTypenames: ['User'] });
        if (r.error) {
          setRest([{ code: 'ERROR', message: r.error.message }]);
          return false;
        }
        const errs = r.data?.buyerAbuseFlagSet.userErrors ?? [];
        if (errs.length) {
          const { fields, rest: other } = fieldErrors(errs);
          form.setFields(fields as Parameters<typeof form.setFields>[0]);
          setRest(other);
          return false;
        }
        message.success(t(flagged ? 'abuse-flags.clearedOk' : 'abuse-flags.flaggedOk', { name }));
        return true;
      }}
    >
      <Space direction="vertical" size={12} style={{ width: '100%' }}>
        <Alert type={flagged ? 'info' : 'warning'} showIcon message={t(flagged ? 'abuse-flags.clearWarning' : 'abuse-flags.flagWarning')} />
        <ApiError userErrors={rest} />
        <ProFormTextArea
          name="reason"
          label={t('abuse-flags.reason')}
          placeholder={t('abuse-flags.reasonPlaceholder')}
          fieldProps={{ maxLength: 2000, showCount: true, rows: 3 }}
          rules={[{ required: true, whitespace: true, message: t('abuse-flags.reasonRequired') }]}
        />
      </Space>
    </ModalForm>
  );
}
