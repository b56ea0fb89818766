import { PageContainer } from '@ant-design/pro-components';
import { Badge, Button, Card, Empty, Flex, Pagination, Space, Spin, Tabs, Tag, Tooltip } from 'antd';
import { CustomerServiceOutlined, GiftOutlined, ReloadOutlined, ShopOutlined, StarOutlined } from '@ant-design/icons';
import { useCallback, useEffect, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { useClient, useQuery } from 'urql';
import { BuyerOrderCountsDocument, BuyerOrdersCursorDocument, BuyerOrdersDocument, type BuyerOrderRowFragment, type OrderStatus } from '../../../gql/graphql';
import { ApiError } from '../../lib/ApiError';
import { Countdown } from '../../lib/Countdown';
import { formatDateTime, formatMoney } from '../../lib/format';
import { OrderActions } from '../orders/OrderActions';
import { pageParams, PAGE_SIZES, useCursorPage, useUrlState } from '../../lib/urlList';
import { Stars } from '../ratings/Stars';
import { typesFor } from './caseRules';
import '../ratings/ratings.css';

const STATUSES: OrderStatus[] = ['PENDING_PAYMENT', 'PAID', 'SHIPPED', 'DELIVERED', 'COMPLETED', 'CANCELLED'];
const COUNT_KEY = { PENDING_PAYMENT: 'pendingPayment', PAID: 'paid', SHIPPED: 'shipped', DELIVERED: 'delivered', COMPLETED: 'completed', CANCELLED: 'cancelled' } as const;
const statusColor: Record<string, string> = { PENDING_PAYMENT: 'gold', PAID: 'orange', SHIPPED: 'blue', DELIVERED: 'cyan', COMPLETED: 'green', CANCELLED: 'default' };

// canRate: delivered or completed, not rated yet, and the rating window (15 days after completion) open.
export function canRate(o: Pick<BuyerOrderRowFragment, 'status' | 'rating' | 'ratingClosesAt'>, now = Date.now()) {
  return (o.status === 'DELIVERED' || o.status === 'COMPLETED') && !o.rating && (!o.ratingClosesAt || Date.parse(o.ratingClosesAt) > now);
}

// The buyer's orders across every store, newest first, by status (in the URL), each with its lines, what
// it waits for and what the buyer can do: pay, confirm receipt, rate, ask for after-sales.
export default function BuyerOrdersPage() {
  const { t } = useTranslation();
  const { params, update } = useUrlState();
  const statusParam = params.get('status');
  const status = STATUSES.find((s) => s === statusParam) ?? null;
  const { page, size } = pageParams(params, 10);
  const filter = useMemo(() => (status ? { status: [status] } : null), [status]);

  const client = useClient();
  const endCursor = useCallback(
    async (after: string | null, first: number) => {
      const r = await client.query(BuyerOrdersCursorDocument, { first, after, filter }, { requestPolicy: 'network-only' }).toPromise();
      return r.data?.orders.pageInfo ?? null;
    },
    [client, filter],
  );
  const cursor = useCursorPage('buyer-orders:' + (status ?? ''), page, size, endCursor);
  const [{ data, error, fetching }, refetch] = useQuery({ query: BuyerOrdersDocument, variables: { first: size, after: cursor.after, filter }, pause: !cursor.ready });
  const countsContext = useMemo(() => ({ additionalTypenames: ['Order'] }), []);
  const [counts, refetchCounts] = useQuery({ query: BuyerOrderCountsDocument, context: countsContext });
  const { remember } = cursor;
  useEffect(() => remember(data?.orders.pageInfo.endCursor), [data, remember]);
  const reload = () => {
    refetch({ requestPolicy: 'network-only' });
    refetchCounts({ requestPolicy: 'network-only' });
  };
  const c = counts.data;

  return (
    <PageContainer title={t('buyer.ordersTitle')} subTitle={t('buyer.ordersSubtitle')}>
      <Card variant="borderless" className="tgs-card tgs-filter">
        <Flex justify="space-between" align="center" wrap gap={8}>
          <Tabs
            style={{ marginBottom: -14, flex: 1 }}
            activeKey={status ?? 'ALL'}
            onChange={(k) => update({ status: k === 'ALL' ? null : k })}
            items={[
              { key: 'ALL', label: <TabLabel text={t('buyer.tabAll')} count={c?.all.totalCount} /> },
              ...STATUSES.map((s) => ({
                key: s,
                label: <TabLabel text={t(`buyer.tab.${s}`)} count={c?.[COUNT_KEY[s]].totalCount} highlight={s === 'PENDING_PAYMENT' || s === 'DELIVERED'} />,
              })),
            ]}
          />
          <Tooltip title={t('buyer.refresh')}>
            <Button icon={<ReloadOutlined />} aria-label={t('buyer.refresh')} onClick={reload} />
          </Tooltip>
        </Flex>
      </Card>
      <ApiError error={error ?? counts.error} onRetry={reload} />
      <Spin spinning={fetching || !cursor.ready}>
        <div data-testid="buyer-orders" style={{ minHeight: 120 }}>
          {data?.orders.nodes.map((o) => <OrderCard key={o.id} order={o} onChanged={reload} />)}
          {data && data.orders.nodes.length === 0 && (
            <Card variant="borderless">
              <Empty description={status ? t('buyer.emptyStatus', { status: t(`buyer.tab.${status}`) }) : t('buyer.empty')} />
            </Card>
          )}
        </div>
      </Spin>
      {data && data.orders.totalCount > 0 && (
        <Pagination
          align="end"
          style={{ marginTop: 8 }}
          current={page}
          pageSize={size}
          total={data.orders.totalCount}
          pageSizeOptions={PAGE_SIZES}
          showSizeChanger
          showTotal={(total) => t('buyer.ordersCount', { count: total })}
          onChange={(p, sz) => (sz !== size ? update({ size: String(sz) }) : update({ page: p > 1 ? String(p) : null }, true))}
        />
      )}
    </PageContainer>
  );
}

function TabLabel({ text, count, highlight }: { text: string; count?: number; highlight?: boolean }) {
  return (
    <Flex gap={6} align="center">
      <span>{text}</span>
      {count !== undefined && count > 0 && <Badge count={count} overflowCount={999} size="small" color={highlight ? '#cc4100' : '#8c8c8c'} />}
    </Flex>
  );
}

function OrderCard({ order: o, onChanged }: { order: BuyerOrderRowFragment; onChanged: () => void }) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const lang = i18n.language;
  const tz = o.store.timeZone;
  const paidLines = o.items.filter((i) => !i.isGift);
  const giftsOf = (id: string) => o.items.filter((i) => i.isGift && i.giftOf === id);
  const afterSales = typesFor(o.status, !!o.paidAt, true).length > 0;
  const rate = canRate(o);
  const link = `/orders/${encodeURIComponent(o.id)}`;
  return (
    <div className="tgs-order-card" data-testid="buyer-order" data-order-id={o.id} data-number={o.number} data-status={o.status}>
      <div className="tgs-order-head">
        <Space size={6}>
          <ShopOutlined aria-hidden />
          <span className="tgs-store">{o.store.name}</span>
        </Space>
        <span className="tgs-muted">{t('buyer.orderNo')}</span>
        <Link to={link} className="tg-mono" data-testid="buyer-order-link">
          {o.number}
        </Link>
        <span className="tgs-muted">{formatDateTime(o.createdAt, lang, tz)}</span>
        <span style={{ marginLeft: 'auto' }}>
          <Tag color={statusColor[o.status]} data-testid="buyer-order-status">
            {t(`enums.OrderStatus.${o.status}`)}
          </Tag>
        </span>
      </div>
      <div className="tgs-order-body">
        <div className="tgs-order-lines">
          {paidLines.map((l) => (
            <div key={l.id}>
              <div className="tgs-line">
                <div className="tgs-thumb" aria-hidden>
                  {l.title.slice(0, 1)}
                </div>
                <div>
                  <div>{l.title}</div>
                  <div className="tgs-muted">
                    {formatMoney(l.unitPrice, lang)} × {l.quantity}
                  </div>
                </div>
              </div>
              {giftsOf(l.id).map((g) => (
                <div key={g.id} className="tgs-muted" style={{ marginLeft: 54 }}>
                  <GiftOutlined aria-hidden /> {t('buyer.gift')}: {g.title} × {g.quantity}
                </div>
              ))}
            </div>
          ))}
        </div>
        <div>
          <div className="tgs-muted">{t('buyer.total')}</div>
          <div className="tgs-price">{formatMoney(o.total, lang)}</div>
        </div>
        <div>
          {o.deadline && (o.status === 'PENDING_PAYMENT' || o.status === 'DELIVERED') && (
            <Space direction="vertical" size={0}>
              <span className="tgs-muted">{t(`buyer.deadlineAction.${o.deadline.action}`, { defaultValue: "" })}</span>
              <Countdown at={o.deadline.at} />
            </Space>
          )}
          {o.status === 'PAID' && <span className="tgs-muted">{t('buyer.waitingShipment')}</span>}
          {o.status === 'SHIPPED' && <span className="tgs-muted">{t('buyer.onTheWay', { time: formatDateTime(o.shippedAt, lang, tz) })}</span>}
          {o.rating && (
            <Space direction="vertical" size={0}>
              <span className="tgs-muted">{t('buyer.yourRating')}</span>
              <Stars value={o.rating.overall} />
            </Space>
          )}
        </div>
        <div className="tgs-order-actions">
          <OrderActions order={o} onChanged={onChanged} size="small" />
          {rate && (
            <Button size="small" type="primary" icon={<StarOutlined />} data-testid="buyer-rate" onClick={() => navigate(`/buyer/orders/${encodeURIComponent(o.id)}/rate`)}>
              {t('buyer.rate')}
            </Button>
          )}
          {afterSales && (
            <Button size="small" icon={<CustomerServiceOutlined />} data-testid="buyer-new-case" onClick={() => navigate(`/buyer/orders/${encodeURIComponent(o.id)}/new-case`)}>
              {t('buyer.afterSales')}
            </Button>
          )}
          <Link to={link}>{t('buyer.details')}</Link>
        </div>
      </div>
    </div>
  );
}

