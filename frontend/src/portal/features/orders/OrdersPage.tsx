import { PageContainer } from '@ant-design/pro-components';
import { Badge, Button, Card, DatePicker, Flex, Form, Input, Select, Space, Table, Tabs, Tag, Tooltip, Typography } from 'antd';
import { ReloadOutlined, WarningFilled } from '@ant-design/icons';
import dayjs from 'dayjs';
import { useCallback, useEffect, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useClient, useQuery } from 'urql';
import { OrdersCursorDocument, OrdersListDocument, OrdersStatusCountsDocument, type OrderStatus, type OrdersRowFragment } from '../../../gql/graphql';
import { useSession } from '../../auth/useSession';
import { pageParams, PAGE_SIZES, useCursorPage, useUrlState } from '../../lib/urlList';
import { ApiError } from '../../lib/ApiError';
import { Countdown } from '../../lib/Countdown';
import { formatDateTime, formatMoney } from '../../lib/format';
import { OrderActions } from './OrderActions';
import { dayStart, isDay, nextDay, OrderStatusTag, TwoLineTime } from './shared';
import './orders.css';

const STATUSES: OrderStatus[] = ['PENDING_PAYMENT', 'PAID', 'SHIPPED', 'DELIVERED', 'COMPLETED', 'CANCELLED'];
const COUNT_KEYS: Record<OrderStatus, 'pendingPayment' | 'paid' | 'shipped' | 'delivered' | 'completed' | 'cancelled'> = {
  PENDING_PAYMENT: 'pendingPayment',
  PAID: 'paid',
  SHIPPED: 'shipped',
  DELIVERED: 'delivered',
  COMPLETED: 'completed',
  CANCELLED: 'cancelled',
};

// The store's orders (every store's for admins), newest first: status tabs with counts, search by order
// number, filters by status and creation day (in the store's time zone), numbered pages; all of it in the URL.
export default function OrdersPage() {
  const { t, i18n } = useTranslation();
  const session = useSession()!;
  const { params, update, updateList, clear } = useUrlState();
  const lang = i18n.language;
  const tz = session.store?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const isAdmin = session.role === 'ADMIN';

  const statusParam = params.get('status') ?? '';
  const status = useMemo(() => statusParam.split(',').filter((s): s is OrderStatus => (STATUSES as string[]).includes(s)), [statusParam]);
  const from = isDay(params.get('from')) ? params.get('from')! : null;
  const to = isDay(params.get('to')) ? params.get('to')! : null;
  const number = params.get('number')?.trim().slice(0, 64) || null;
  const { page, size } = pageParams(params, 20);

  const range = useMemo(() => ({ createdFrom: from ? dayStart(from, tz) : null, createdTo: to ? dayStart(nextDay(to), tz) : null }), [from, to, tz]);
  const filter = useMemo(() => ({ status: status.length ? status : null, number, ...range }), [status, number, range]);

  const client = useClient();
  const skip = useCallback(
    async (after: string | null, first: number) => {
      const r = await client.query(OrdersCursorDocument, { first, after, filter }, { requestPolicy: 'network-only' }).toPromise();
      return r.data?.orders.pageInfo ?? null;
    },
    [client, filter],
  );
  const cursor = useCursorPage('orders:' + JSON.stringify(filter), page, size, skip);
  const [{ data, error, fetching }, refetch] = useQuery({
    query: OrdersListDocument,
    variables: { first: size, after: cursor.after ?? null, filter },
    pause: !cursor.ready,
  });
  // The counts hold no order: they are refetched after any order mutation all the same.
  const countsContext = useMemo(() => ({ additionalTypenames: ['Order'] }), []);
  const [counts, refetchCounts] = useQuery({ query: OrdersStatusCountsDocument, variables: range, context: countsContext });
  const { remember } = cursor;
  useEffect(() => remember(data?.orders.pageInfo.endCursor), [data, remember]);

  const reload = () => {
    refetch({ requestPolicy: 'network-only' });
    refetchCounts({ requestPolicy: 'network-only' });
  };
  const filtered = status.length > 0 || !!from || !!to || !!number;
  const c = counts.data;

  return (
    <PageContainer title={t('orders.title')} subTitle={session.store?.name} >
      <Card className="tgo-filter" variant="borderless">
        <Tabs
          className="tgo-status-tabs"
          activeKey={status.length === 0 ? 'ALL' : status.length === 1 ? status[0] : 'MIXED'}
          onChange={(k) => update({ status: k === 'ALL' ? null : k })}
          items={[
            { key: 'ALL', label: <TabLabel text={t('orders.tabAll')} count={c?.all.totalCount} /> },
            ...STATUSES.map((s) => ({
              key: s,
              label: <TabLabel text={t(`enums.OrderStatus.${s}`)} count={c?.[COUNT_KEYS[s]].totalCount} highlight={s === 'PAID'} />,
            })),
          ]}
        />
        <Form layout="inline" className="tgo-filter-form">
          <Form.Item label={t('orders.filterNumber')} htmlFor="orders-number">
            <Input.Search
              id="orders-number"
              key={number ?? ''}
              defaultValue={number ?? ''}
              allowClear
              maxLength={64}
              style={{ width: 240 }}
              placeholder={t('orders.numberPlaceholder')}
              onSearch={(v) => update({ number: v.trim() || null })}
              enterButton
            />
          </Form.Item>
          <Form.Item label={t('orders.filterStatus')} htmlFor="orders-status">
            <Select
              id="orders-status"
              mode="multiple"
              allowClear
              style={{ minWidth: 260 }}
              placeholder={t('orders.anyStatus')}
              value={status}
              onChange={(v: OrderStatus[]) => updateList('status', status, v)}
              options={STATUSES.map((s) => ({ value: s, label: t(`enums.OrderStatus.${s}`) }))}
              maxTagCount="responsive"
            />
          </Form.Item>
          <Form.Item label={t('orders.filterCreated')}>
            <DatePicker.RangePicker
              aria-label={t('orders.filterCreated')}
              value={[from ? dayjs(from) : null, to ? dayjs(to) : null]}
              allowEmpty={[true, true]}
              placeholder={[t('orders.createdFrom'), t('orders.createdTo')]}
              onChange={(v) => update({ from: v?.[0]?.format('YYYY-MM-DD') ?? null, to: v?.[1]?.format('YYYY-MM-DD') ?? null })}
            />
          </Form.Item>
          <Form.Item>
            <Space>
              <Button onClick={clear} disabled={!filtered}>
                {t('common.reset')}
              </Button>
              <Tooltip title={t('orders.refresh')}>
                <Button icon={<ReloadOutlined />} onClick={reload} aria-label={t('orders.refresh')} />
              </Tooltip>
            </Space>
          </Form.Item>
        </Form>
        <Typography.Text type="secondary" className="tgo-filter-note">
          {t('orders.timeZoneNote', { tz })}
        </Typography.Text>
      </Card>

      <Card variant="borderless" className="tgo-table">
        <ApiError error={error ?? counts.error} onRetry={reload} />
        {cursor.failed && <ApiError userErrors={[{ code: 'PAGE', message: t('orders.pageUnavailable') }]} />}
        <Table<OrdersRowFragment>
          data-testid="orders-table"
          rowKey="id"
          loading={fetching || !cursor.ready}
          dataSource={data?.orders.nodes ?? []}
          scroll={{ x: 900 }}
          size="middle"
          locale={{ emptyText: filtered ? t('orders.emptyFiltered') : t('orders.empty') }}
          pagination={{
            current: page,
            pageSize: size,
            total: data?.orders.totalCount ?? 0,
            pageSizeOptions: PAGE_SIZES,
            showSizeChanger: true,
            showTotal: (total) => t('orders.totalCount', { count: total }),
            onChange: (p, s) => (s !== size ? update({ size: String(s) }) : update({ page: p > 1 ? String(p) : null }, true)),
          }}
          columns={[
            {
              title: t('orders.numberCreated'),
              key: 'number',
              width: 150,
              render: (_, o) => (
                <Space direction="vertical" size={0}>
                  <Link to={`/orders/${encodeURIComponent(o.id)}`} className="tg-mono tgo-strong-link" data-testid="order-link">
                    {o.number}
                  </Link>
                  <Typography.Text type="secondary" className="tgo-small">
                    {formatDateTime(o.createdAt, lang, o.store.timeZone)}
                  </Typography.Text>
                </Space>
              ),
            },
            ...(isAdmin ? [{ title: t('orders.store'), key: 'store', render: (_: unknown, o: OrdersRowFragment) => o.store.name }] : []),
            { title: t('orders.buyer'), key: 'buyer', width: 100, render: (_, o) => o.buyer.displayName },
            { title: t('common.status'), key: 'status', width: 100, render: (_, o) => <OrderStatusTag status={o.status} /> },
            {
              title: t('orders.total'),
              key: 'total',
              align: 'right',
              width: 115,
              render: (_, o) => (
                <Typography.Text strong className="tgo-nowrap">
                  {formatMoney(o.total, lang)}
                </Typography.Text>
              ),
            },
            { title: t('orders.paidAt'), key: 'paidAt', width: 110, render: (_, o) => <TwoLineTime iso={o.paidAt} timeZone={o.store.timeZone} /> },
            {
              title: t('orders.shipBy'),
              key: 'shipBy',
              width: 200,
              render: (_, o) => <ShipByCell order={o} />,
            },
            {
              title: t('common.actions'),
              key: 'actions',
              width: 120,
              render: (_, o) => (
                <Space size={8}>
                  <OrderActions order={o} only={['SHIP']} size="small" onChanged={reload} />
                  <Link to={`/orders/${encodeURIComponent(o.id)}`}>{t('common.details')}</Link>
                </Space>
              ),
            },
          ]}
        />
      </Card>
    </PageContainer>
  );
}

function TabLabel({ text, count, highlight }: { text: string; count?: number; highlight?: boolean }) {
  return (
    <Flex gap={6} align="center">
      <span>{text}</span>
      {count !== undefined && <Badge count={count} showZero overflowCount={9999} color={highlight && count > 0 ? '#ff5000' : '#bfbfbf'} size="small" />}
    </Flex>
  );
}

// ShipByCell: while the order waits to be shipped, the live countdown to its ship-by time; once shipped,
// when; a late shipment (or a ship-by time passed) is marked.
export function ShipByCell({ order }: { order: Pick<OrdersRowFragment, 'status' | 'shipBy' | 'shippedAt' | 'shippedLate' | 'store'> }) {
  const { t, i18n } = useTranslation();
  const late = order.shippedLate ? (
    <Tag color="red" icon={<WarningFilled />} data-testid="shipped-late">
      {order.shippedAt ? t('orders.shippedLate') : t('orders.late')}
    </Tag>
  ) : null;
  if (order.status === 'PAID' && order.shipBy) {
    return (
      <Space direction="vertical" size={0}>
        <Space size={4} wrap>
          <Countdown at={order.shipBy} />
          {late}
        </Space>
        <Typography.Text type="secondary" className="tgo-small">
          {t('orders.shipByAt', { time: formatDateTime(order.shipBy, i18n.language, order.store.timeZone) })}
        </Typography.Text>
      </Space>
    );
  }
  if (order.shippedAt) {
    return (
      <Space direction="vertical" size={0}>
        <Typography.Text type="secondary">{t('orders.shippedAtShort', { time: formatDateTime(order.shippedAt, i18n.language, order.store.timeZone) })}</Typography.Text>
        {late}
      </Space>
    );
  }
  return <Typography.Text type="secondary">—</Typography.Text>;
}
