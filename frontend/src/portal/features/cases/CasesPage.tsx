import { PageContainer } from '@ant-design/pro-components';
import { Badge, Button, Card, Checkbox, Flex, Form, Select, Space, Table, Tabs, Tag, Tooltip, Typography } from 'antd';
import { ReloadOutlined, WarningFilled } from '@ant-design/icons';
import { useCallback, useEffect, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useClient, useQuery } from 'urql';
import {
  CasesCursorDocument,
  CasesQueueCountsDocument,
  CasesQueueDocument,
  type AfterSalesCaseStatus,
  type AfterSalesCaseType,
  type AfterSalesReason,
  type CasesRowFragment,
} from '../../../gql/graphql';
import { useSession } from '../../auth/useSession';
import { pageParams, PAGE_SIZES, useCursorPage, useUrlState } from '../../lib/urlList';
import { ApiError } from '../../lib/ApiError';
import { Countdown } from '../../lib/Countdown';
import { formatDateTime, formatMoney } from '../../lib/format';
import { useNow } from '../../lib/useNow';
import { CaseStatusTag } from '../orders/shared';
import '../orders/orders.css';

const TYPES: AfterSalesCaseType[] = ['ORDER_CANCEL', 'REFUND_ONLY', 'RETURN_REFUND', 'EXCHANGE', 'WARRANTY_REPAIR', 'COMPLAINT'];
const STATUSES: AfterSalesCaseStatus[] = [
  'REQUESTED',
  'AWAITING_RETURN',
  'RETURN_SHIPPED',
  'AWAITING_RESHIP',
  'RESHIPPED',
  'REFUNDING',
  'REFUNDED',
  'REFUND_FAILED',
  'REJECTED',
  'IN_ARBITRATION',
  'PLATFORM_REVIEW',
  'CLOSED_FOR_MERCHANT',
  'COMPLETED',
  'WITHDRAWN',
  'CLOSED',
];
const REASONS: AfterSalesReason[] = [
  'NO_REASON',
  'QUALITY_DEFECT',
  'NOT_AS_DESCRIBED',
  'DAMAGED_IN_TRANSIT',
  'WRONG_ITEM',
  'MISSING_ITEM',
  'NOT_RECEIVED',
  'LATE_DELIVERY',
  'PRICE_FRAUD',
  'SERVICE_ATTITUDE',
  'ORDER_STATUS_ABNORMAL',
  'OTHER',
];

function listParam<T extends string>(value: string | null, allowed: T[]): T[] {
  return (value ?? '').split(',').filter((s): s is T => (allowed as string[]).includes(s));
}

// The after-sales queue, soonest deadline first (the API's order): each case with what happens at its
// deadline and a live countdown, overdue ones marked; filters by type, status, reason, open and overdue,
// and the page, all in the URL.
export default function CasesPage() {
  const { t, i18n } = useTranslation();
  const session = useSession()!;
  const { params, update, updateList, clear } = useUrlState();
  const lang = i18n.language;
  const now = useNow(15_000);
  const isAdmin = session.role === 'ADMIN';

  const typeP = params.get('type');
  const statusP = params.get('status');
  const reasonP = params.get('reason');
  const type = useMemo(() => listParam(typeP, TYPES), [typeP]);
  const status = useMemo(() => listParam(statusP, STATUSES), [statusP]);
  const reason = useMemo(() => listParam(reasonP, REASONS), [reasonP]);
  const openOnly = params.get('openOnly') === '1';
  const overdue = params.get('overdue') === '1';
  const { page, size } = pageParams(params, 20);

  const filter = useMemo(
    () => ({
      type: type.length ? type : null,
      status: status.length ? status : null,
      reason: reason.length ? reason : null,
      openOnly: openOnly || null,
      overdue: overdue || null,
    }),
    [type, status, reason, openOnly, overdue],
  );

  const client = useClient();
  const skip = useCallback(
    async (after: string | null, first: number) => {
      const r = await client.query(CasesCursorDocument, { first, after, filter }, { requestPolicy: 'network-only' }).toPromise();
      return r.data?.afterSalesCases.pageInfo ?? null;
    },
    [client, filter],
  );
  const cursor = useCursorPage('cases:' + JSON.stringify(filter), page, size, skip);
  const [{ data, error, fetching }, refetch] = useQuery({
    query: CasesQueueDocument,
    variables: { first: size, after: cursor.after ?? null, filter },
    pause: !cursor.ready,
  });
  const countsContext = useMemo(() => ({ additionalTypenames: ['AfterSalesCase'] }), []);
  const [counts, refetchCounts] = useQuery({ query: CasesQueueCountsDocument, context: countsContext });
  const { remember } = cursor;
  useEffect(() => remember(data?.afterSalesCases.pageInfo.endCursor), [data, remember]);

  const reload = () => {
    refetch({ requestPolicy: 'network-only' });
    refetchCounts({ requestPolicy: 'network-only' });
  };
  const filtered = type.length > 0 || status.length > 0 || reason.length > 0 || openOnly || overdue;
  const tab = overdue && !openOnly ? 'overdue' : openOnly && !overdue ? 'open' : !openOnly && !overdue ? 'all' : 'mixed';
  const isOverdue = (c: CasesRowFragment) => !!c.deadline && Date.parse(c.deadline.at) < now;

  return (
    <PageContainer title={t('cases.queueTitle')} subTitle={session.store?.name ?? t('cases.allStores')}>
      <Card className="tgo-filter" variant="borderless">
        <Tabs
          className="tgo-status-tabs"
          activeKey={tab}
          onChange={(k) => update({ openOnly: k === 'open' ? '1' : null, overdue: k === 'overdue' ? '1' : null })}
          items={[
            { key: 'open', label: <TabLabel text={t('cases.tabOpen')} count={counts.data?.open.totalCount} color="#ff5000" /> },
            { key: 'overdue', label: <TabLabel text={t('cases.tabOverdue')} count={counts.data?.overdue.totalCount} color="#ff4d4f" /> },
            { key: 'all', label: <TabLabel text={t('cases.tabAll')} count={counts.data?.all.totalCount} color="#bfbfbf" /> },
          ]}
        />
        <Form layout="inline" className="tgo-filter-form">
          <Form.Item label={t('cases.type')} htmlFor="cases-type">
            <Select
              id="cases-type"
              mode="multiple"
              allowClear
              style={{ minWidth: 180 }}
              maxTagCount="responsive"
              placeholder={t('common.all')}
              value={type}
              onChange={(v: string[]) => updateList('type', type, v)}
              options={TYPES.map((s) => ({ value: s, label: t(`enums.AfterSalesCaseType.${s}`) }))}
            />
          </Form.Item>
          <Form.Item label={t('common.status')} htmlFor="cases-status">
            <Select
              id="cases-status"
              mode="multiple"
              allowClear
              style={{ minWidth: 180 }}
              maxTagCount="responsive"
              placeholder={t('common.all')}
              value={status}
              onChange={(v: string[]) => updateList('status', status, v)}
              options={STATUSES.map((s) => ({ value: s, label: t(`enums.AfterSalesCaseStatus.${s}`) }))}
            />
          </Form.Item>
          <Form.Item label={t('common.reason')} htmlFor="cases-reason">
            <Select
              id="cases-reason"
              mode="multiple"
              allowClear
              style={{ minWidth: 180 }}
              maxTagCount="responsive"
              placeholder={t('common.all')}
              value={reason}
              onChange={(v: string[]) => updateList('reason', reason, v)}
              options={REASONS.map((s) => ({ value: s, label: t(`enums.AfterSalesReason.${s}`) }))}
            />
          </Form.Item>
          <Form.Item>
            <Checkbox checked={openOnly} onChange={(e) => update({ openOnly: e.target.checked ? '1' : null })} data-testid="filter-open">
              {t('cases.openOnly')}
            </Checkbox>
          </Form.Item>
          <Form.Item>
            <Checkbox checked={overdue} onChange={(e) => update({ overdue: e.target.checked ? '1' : null })} data-testid="filter-overdue">
              {t('cases.overdueOnly')}
            </Checkbox>
          </Form.Item>
          <Form.Item>
            <Space>
              <Button onClick={clear} disabled={!filtered}>
                {t('common.reset')}
              </Button>
              <Tooltip title={t('cases.refresh')}>
                <Button icon={<ReloadOutlined />} onClick={reload} aria-label={t('cases.refresh')} />
              </Tooltip>
            </Space>
          </Form.Item>
        </Form>
      </Card>

      <Card variant="borderless" className="tgo-table">
        <ApiError error={error ?? counts.error} onRetry={reload} />
        {cursor.failed && <ApiError userErrors={[{ code: 'PAGE', message: t('cases.pageUnavailable') }]} />}
        <Table<CasesRowFragment>
          data-testid="cases-table"
          rowKey="id"
          loading={fetching || !cursor.ready}
          dataSource={data?.afterSalesCases.nodes ?? []}
          scroll={{ x: 940 }}
          size="middle"
          rowClassName={(c) => (isOverdue(c) ? 'tgo-row-overdue' : '')}
          onRow={(c) => ({ 'data-overdue': isOverdue(c) ? 'true' : 'false', 'data-case': c.number }) as React.HTMLAttributes<HTMLElement>}
          locale={{ emptyText: filtered ? t('cases.emptyFiltered') : t('cases.empty') }}
          pagination={{
            current: page,
            pageSize: size,
            total: data?.afterSalesCases.totalCount ?? 0,
            pageSizeOptions: PAGE_SIZES,
            showSizeChanger: true,
            showTotal: (total) => t('cases.totalCount', { count: total }),
            onChange: (p, s) => (s !== size ? update({ size: String(s) }) : update({ page: p > 1 ? String(p) : null }, true)),
          }}
          columns={[
            {
              title: t('cases.numberCreated'),
              key: 'number',
              width: 140,
              render: (_, c) => (
                <Space direction="vertical" size={0}>
                  <Link to={`/cases/${encodeURIComponent(c.id)}`} className="tg-mono tgo-strong-link tgo-nowrap" data-testid="case-link">
                    {c.number}
                  </Link>
                  <Typography.Text type="secondary" className="tgo-small tgo-nowrap" title={t('common.created')}>
                    {formatDateTime(c.createdAt, lang, c.store.timeZone)}
                  </Typography.Text>
                </Space>
              ),
            },
            ...(isAdmin ? [{ title: t('cases.store'), key: 'store', render: (_: unknown, c: CasesRowFragment) => c.store.name }] : []),
            { title: t('cases.type'), key: 'type', width: 95, render: (_, c) => t(`enums.AfterSalesCaseType.${c.type}`) },
            { title: t('common.status'), key: 'status', width: 115, render: (_, c) => <CaseStatusTag status={c.status} testId="row-case-status" /> },
            { title: t('common.reason'), key: 'reason', width: 125, render: (_, c) => t(`enums.AfterSalesReason.${c.reason}`) },
            {
              title: t('cases.order'),
              key: 'order',
              width: 105,
              render: (_, c) =>
                c.order ? (
                  <Link to={`/orders/${encodeURIComponent(c.order.id)}`} className="tg-mono tgo-nowrap">
                    {c.order.number}
                  </Link>
                ) : (
                  '—'
                ),
            },
            { title: t('cases.requested'), key: 'requested', align: 'right', width: 110, render: (_, c) => <Typography.Text strong className="tgo-nowrap">{formatMoney(c.requested, lang)}</Typography.Text> },
            {
              title: t('cases.deadline'),
              key: 'deadline',
              width: 205,
              render: (_, c) =>
                c.deadline ? (
                  <Space direction="vertical" size={0}>
                    <Space size={4} wrap>
                      {isOverdue(c) && (
                        <Tag color="red" icon={<WarningFilled />} data-testid="case-overdue">
                          {t('cases.overdue')}
                        </Tag>
                      )}
                      <Countdown at={c.deadline.at} />
                    </Space>
                    <Typography.Text type="secondary" className="tgo-small">
                      {t('cases.thenAction', { action: t(`enums.CaseDeadlineAction.${c.deadline.action}`) })}
                    </Typography.Text>
                  </Space>
                ) : (
                  <Typography.Text type="secondary">{t('cases.nothingAwaited')}</Typography.Text>
                ),
            },
            {
              title: t('common.actions'),
              key: 'actions',
              width: 55,
              render: (_, c) => <Link to={`/cases/${encodeURIComponent(c.id)}`}>{t('cases.handle')}</Link>,
            },
          ]}
        />
      </Card>
    </PageContainer>
  );
}

function TabLabel({ text, count, color }: { text: string; count?: number; color: string }) {
  return (
    <Flex gap={6} align="center">
      <span>{text}</span>
      {count !== undefined && <Badge count={count} showZero overflowCount={9999} color={count > 0 ? color : '#bfbfbf'} size="small" />}
    </Flex>
  );
}
