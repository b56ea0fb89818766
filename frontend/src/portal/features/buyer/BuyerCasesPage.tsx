import { PageContainer } from '@ant-design/pro-components';
import { Button, Card, Empty, Flex, Form, Select, Space, Table, Tabs, Tag, Tooltip, Typography } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import { useCallback, useEffect, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useClient, useQuery } from 'urql';
import { BuyerCasesCursorDocument, BuyerCasesDocument, type AfterSalesCaseFilter, type AfterSalesCaseType, type BuyerCasesQuery } from '../../../gql/graphql';
import { ApiError } from '../../lib/ApiError';
import { Countdown } from '../../lib/Countdown';
import { formatDateTime, formatMoney } from '../../lib/format';
import { pageParams, PAGE_SIZES, useCursorPage, useUrlState } from '../../lib/urlList';
import { ALL_TYPES } from './caseRules';
import '../ratings/ratings.css';

type Case = BuyerCasesQuery['afterSalesCases']['nodes'][number];

const caseStatusColor: Record<string, string> = {
  REQUESTED: 'orange',
  AWAITING_RETURN: 'gold',
  RETURN_SHIPPED: 'blue',
  AWAITING_RESHIP: 'gold',
  RESHIPPED: 'blue',
  REFUNDING: 'processing',
  REFUNDED: 'green',
  REFUND_FAILED: 'red',
  REJECTED: 'volcano',
  IN_ARBITRATION: 'purple',
  CLOSED_FOR_MERCHANT: 'default',
  COMPLETED: 'green',
  WITHDRAWN: 'default',
  CLOSED: 'default',
  PLATFORM_REVIEW: 'purple',
};
// What the buyer is asked to do: the buyer's own actions among availableActions.
const BUYER_TODO = ['SHIP_RETURN', 'CONFIRM_RESHIP', 'REVISE', 'ESCALATE'];

// The buyer's after-sales cases across stores, soonest deadline first: open ones by default, every one on
// request, by type; all in the URL.
export default function BuyerCasesPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { params, update } = useUrlState();
  const all = params.get('view') === 'all';
  const typeParam = params.get('type') ?? '';
  const types = useMemo(() => typeParam.split(',').filter((x): x is AfterSalesCaseType => (ALL_TYPES as string[]).includes(x)), [typeParam]);
  const { page, size } = pageParams(params, 20);
  const filter = useMemo<AfterSalesCaseFilter>(() => ({ openOnly: all ? null : true, type: types.length ? types : null }), [all, types]);

  const client = useClient();
  const endCursor = useCallback(
    async (after: string | null, first: number) => {
      const r = await client.query(BuyerCasesCursorDocument, { first, after, filter }, { requestPolicy: 'network-only' }).toPromise();
      return r.data?.afterSalesCases.pageInfo ?? null;
    },
    [client, filter],
  );
  const cursor = useCursorPage('buyer-cases:' + JSON.stringify(filter), page, size, endCursor);
  const [{ data, error, fetching }, refetch] = useQuery({ query: BuyerCasesDocument, variables: { first: size, after: cursor.after, filter }, pause: !cursor.ready });
  const { remember } = cursor;
  useEffect(() => remember(data?.afterSalesCases.pageInfo.endCursor), [data, remember]);
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const cases = data?.afterSalesCases;

  return (
    <PageContainer title={t('buyer.casesTitle')} subTitle={t('buyer.casesSubtitle')}>
      <Card variant="borderless" className="tgs-card tgs-filter">
        <Tabs
          activeKey={all ? 'all' : 'open'}
          onChange={(k) => update({ view: k === 'all' ? 'all' : null })}
          items={[
            { key: 'open', label: t('buyer.casesOpen') },
            { key: 'all', label: t('buyer.casesAll') },
          ]}
        />
        <Flex justify="space-between" wrap gap={8}>
          <Form layout="inline">
            <Form.Item label={t('buyer.caseType')} htmlFor="buyer-cases-type">
              <Select
                id="buyer-cases-type"
                mode="multiple"
                allowClear
                style={{ minWidth: 260 }}
                placeholder={t('common.all')}
                value={types}
                onChange={(v: string[]) => update({ type: v.join(',') || null })}
                options={ALL_TYPES.map((x) => ({ value: x, label: t(`enums.AfterSalesCaseType.${x}`) }))}
              />
            </Form.Item>
          </Form>
          <Tooltip title={t('buyer.refresh')}>
            <Button icon={<ReloadOutlined />} aria-label={t('buyer.refresh')} onClick={reload} />
          </Tooltip>
        </Flex>
      </Card>
      <Card variant="borderless">
        <ApiError error={error} onRetry={reload} />
        <Table<Case>
          className="tgs-table"
          data-testid="buyer-cases"
          rowKey="id"
          size="middle"
          loading={fetching || !cursor.ready}
          dataSource={cases?.nodes ?? []}
          scroll={{ x: 940 }}
          onRow={(c) => ({ 'data-testid': 'buyer-case', 'data-case-id': c.id, 'data-number': c.number }) as React.HTMLAttributes<HTMLElement>}
          locale={{
            emptyText: (
              <Empty
                image={Empty.PRESENTED_IMAGE_SIMPLE}
                description={
                  <span>
                    {all || types.length ? t('buyer.casesEmptyFiltered') : t('buyer.casesEmpty')} <Link to="/buyer/orders">{t('buyer.goToOrders')}</Link>
                  </span>
                }
              />
            ),
          }}
          pagination={{
            current: page,
            pageSize: size,
            total: cases?.totalCount ?? 0,
            pageSizeOptions: PAGE_SIZES,
            showSizeChanger: true,
            showTotal: (total) => t('buyer.casesCount', { count: total }),
            onChange: (p, sz) => (sz !== size ? update({ size: String(sz) }) : update({ page: p > 1 ? String(p) : null }, true)),
          }}
          columns={[
            {
              title: t('buyer.caseNo'),
              key: 'number',
              width: 170,
              render: (_, c) => (
                <Space direction="vertical" size={0}>
                  <Link to={`/cases/${encodeURIComponent(c.id)}`} className="tg-mono" style={{ fontWeight: 600 }} data-testid="buyer-case-link">
                    {c.number}
                  </Link>
                  <Typography.Text type="secondary" className="tgs-muted">
                    {formatDateTime(c.createdAt, lang, c.store.timeZone)}
                  </Typography.Text>
                </Space>
              ),
            },
            {
              title: t('buyer.caseType'),
              key: 'type',
              width: 140,
              render: (_, c) => (
                <Space direction="vertical" size={0}>
                  <span>{t(`enums.AfterSalesCaseType.${c.type}`)}</span>
                  <Typography.Text type="secondary" className="tgs-muted">
                    {t(`enums.AfterSalesReason.${c.reason}`)}
                  </Typography.Text>
                </Space>
              ),
            },
            {
              title: t('buyer.storeAndOrder'),
              key: 'order',
              render: (_, c) => (
                <Space direction="vertical" size={0}>
                  <span>{c.store.name}</span>
                  {c.order && (
                    <Link to={`/orders/${encodeURIComponent(c.order.id)}`} className="tg-mono tgs-muted">
                      {c.order.number}
                    </Link>
                  )}
                </Space>
              ),
            },
            {
              title: t('common.status'),
              key: 'status',
              width: 130,
              render: (_, c) => (
                <Space direction="vertical" size={2}>
                  <Tag color={caseStatusColor[c.status]} data-testid="buyer-case-status" data-status={c.status}>
                    {t(`enums.AfterSalesCaseStatus.${c.status}`)}
                  </Tag>
                  {c.availableActions.some((a) => BUYER_TODO.includes(a)) && <Tag color="red">{t('buyer.yourTurn')}</Tag>}
                </Space>
              ),
            },
            {
              title: t('buyer.requested'),
              key: 'amount',
              width: 130,
              align: 'right',
              render: (_, c) => (
                <Space direction="vertical" size={0} align="end">
                  <Typography.Text strong>{formatMoney(c.requested, lang)}</Typography.Text>
                  {/[1-9]/.test(c.refunded.amount) && (
                    <Typography.Text type="success" className="tgs-muted">
                      {t('buyer.refunded', { amount: formatMoney(c.refunded, lang) })}
                    </Typography.Text>
                  )}
                </Space>
              ),
            },
            {
              title: t('buyer.deadlineCol'),
              key: 'deadline',
              width: 230,
              render: (_, c) =>
                c.deadline ? (
                  <Space direction="vertical" size={0} data-testid="buyer-case-deadline">
                    <Countdown at={c.deadline.at} />
                    <Typography.Text type="secondary" className="tgs-muted">
                      {t('buyer.thenWhat', { time: formatDateTime(c.deadline.at, lang, c.store.timeZone), what: t(`enums.CaseDeadlineAction.${c.deadline.action}`) })}
                    </Typography.Text>
                  </Space>
                ) : (
                  <Typography.Text type="secondary">—</Typography.Text>
                ),
            },
          ]}
        />
      </Card>
    </PageContainer>
  );
}
