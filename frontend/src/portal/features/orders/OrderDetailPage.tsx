import { PageContainer } from '@ant-design/pro-components';
import { Alert, Card, Col, Descriptions, Empty, Rate, Row, Space, Steps, Table, Tag, Typography } from 'antd';
import { GiftOutlined, WarningFilled } from '@ant-design/icons';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { useQuery } from 'urql';
import { OrdersCasesDocument, OrdersDetailDocument, type OrdersDetailFragment } from '../../../gql/graphql';
import { useSession } from '../../auth/useSession';
import { ApiError } from '../../lib/ApiError';
import { Countdown } from '../../lib/Countdown';
import { formatDateTime, formatMoney } from '../../lib/format';
import NotFound from '../../lib/NotFound';
import { PageLoading } from '../../lib/PageLoading';
import { OrderActions } from './OrderActions';
import { CaseStatusTag, DeadlineBar, Mono, OrderStatusTag } from './shared';
import { History, useActionLabel } from './Timeline';
import './orders.css';

type Item = OrdersDetailFragment['items'][number];

// One order, as its store, the platform and its buyer see it (one page for every role; the buttons are the
// caller's availableActions): progress, deadline, lines with their gifts, money, address and shipment,
// its after-sales cases, the rating and the full history.
export default function OrderDetailPage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const session = useSession()!;
  const navigate = useNavigate();
  const location = useLocation();
  const [{ data, error, fetching }, refetch] = useQuery({ query: OrdersDetailDocument, variables: { id } });
  const order = data?.order;
  // The order's cases are refetched after any order or case mutation (shipping closes a cancel request).
  const casesContext = useMemo(() => ({ additionalTypenames: ['AfterSalesCase', 'Order'] }), []);
  const [cases, refetchCases] = useQuery({ query: OrdersCasesDocument, variables: { orderId: id }, pause: !order, context: casesContext });
  const reload = () => {
    refetch({ requestPolicy: 'network-only' });
    refetchCases({ requestPolicy: 'network-only' });
  };

  if (!data && fetching) return <PageLoading />;
  if (error && !data) return <ApiError error={error} onRetry={reload} />;
  if (!order) return <NotFound />;

  const back = session.role === 'BUYER' ? '/buyer/orders' : '/orders';
  const tz = order.store.timeZone;

  return (
    <PageContainer
      title={t('orders.orderTitle', { number: order.number })}
      tags={
        <Space size={4}>
          <OrderStatusTag status={order.status} />
          {order.shippedLate && (
            <Tag color="red" icon={<WarningFilled />}>
              {order.shippedAt ? t('orders.shippedLate') : t('orders.late')}
            </Tag>
          )}
        </Space>
      }
      onBack={() => (location.key !== 'default' ? navigate(-1) : navigate(back))}
      extra={<OrderActions order={order} onChanged={reload} />}
      content={<OrderHeader order={order} />}
    >
      <ApiError error={error} onRetry={reload} />
      <Card variant="borderless" className="tgo-card">
        <OrderSteps order={order} />
      </Card>
      {order.deadline && <DeadlineBanner order={order} />}
      <Row gutter={16}>
        <Col xs={24} xl={16}>
          <Card variant="borderless" className="tgo-card" title={t('orders.items')}>
            <ItemsTable order={order} />
            <MoneySummary order={order} />
          </Card>
          <Card
            variant="borderless"
            className="tgo-card"
            title={t('orders.afterSales')}
            extra={cases.data && <Typography.Text type="secondary">{t('orders.casesCount', { count: cases.data.afterSalesCases.totalCount })}</Typography.Text>}
          >
            <ApiError error={cases.error} />
            <Table
              size="small"
              rowKey="id"
              data-testid="order-cases"
              loading={cases.fetching && !cases.data}
              dataSource={cases.data?.afterSalesCases.nodes ?? []}
              pagination={false}
              locale={{ emptyText: t(session.role === 'BUYER' ? 'orders.noCasesBuyer' : 'orders.noCases') }}
              columns={[
                {
                  title: t('orders.caseNumber'),
                  key: 'number',
                  render: (_, c) => (
                    <Link to={`/cases/${encodeURIComponent(c.id)}`} className="tg-mono tgo-strong-link tgo-nowrap">
                      {c.number}
                    </Link>
                  ),
                },
                { title: t('orders.caseType'), key: 'type', render: (_, c) => t(`enums.AfterSalesCaseType.${c.type}`) },
                { title: t('common.status'), key: 'status', render: (_, c) => <CaseStatusTag status={c.status} testId="order-case-status" /> },
                { title: t('common.reason'), key: 'reason', render: (_, c) => t(`enums.AfterSalesReason.${c.reason}`) },
                { title: t('orders.requested'), key: 'requested', align: 'right', render: (_, c) => <MoneyText m={c.requested} /> },
                { title: t('orders.deadline'), key: 'deadline', render: (_, c) => (c.deadline ? <Countdown at={c.deadline.at} /> : '—') },
              ]}
            />
          </Card>
          <RatingCard order={order} />
        </Col>
        <Col xs={24} xl={8}>
          <Card variant="borderless" className="tgo-card" title={t('orders.shippingTitle')}>
            <Descriptions column={1} size="small" colon={false} labelStyle={{ width: 96 }}>
              <Descriptions.Item label={t('orders.recipient')}>{order.shippingAddress.name}</Descriptions.Item>
              <Descriptions.Item label={t('orders.phone')}>{order.shippingAddress.phone}</Descriptions.Item>
              <Descriptions.Item label={t('orders.address')}>
                <span style={{ whiteSpace: 'pre-wrap' }}>{order.shippingAddress.address}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t('orders.carrier')}>{order.carrier ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('orders.trackingNumber')}>
                {order.trackingNumber ? <Mono>{order.trackingNumber}</Mono> : '—'}
              </Descriptions.Item>
              <Descriptions.Item label={t('orders.shipBy')}>{formatDateTime(order.shipBy, lang, tz)}</Descriptions.Item>
              <Descriptions.Item label={t('orders.shippedAt')}>{formatDateTime(order.shippedAt, lang, tz)}</Descriptions.Item>
              <Descriptions.Item label={t('orders.deliveredAt')}>{formatDateTime(order.deliveredAt, lang, tz)}</Descriptions.Item>
            </Descriptions>
          </Card>
          {order.status === 'CANCELLED' && (
            <Card variant="borderless" className="tgo-card" title={t('orders.cancellation')}>
              <Descriptions column={1} size="small" colon={false} labelStyle={{ width: 96 }}>
                <Descriptions.Item label={t('orders.cancelledAt')}>{formatDateTime(order.cancelledAt, lang, tz)}</Descriptions.Item>
                <Descriptions.Item label={t('orders.cancelledBy')}>{order.cancelledBy ? t(`enums.OrderActor.${order.cancelledBy}`) : '—'}</Descriptions.Item>
                <Descriptions.Item label={t('orders.cancelKindLabel')}>{order.cancelKind ? t(`orders.cancelKind.${order.cancelKind}`) : '—'}</Descriptions.Item>
                <Descriptions.Item label={t('common.reason')}>
                  <span style={{ whiteSpace: 'pre-wrap' }}>{order.cancelReason ?? '—'}</span>
                </Descriptions.Item>
              </Descriptions>
            </Card>
          )}
          <Card variant="borderless" className="tgo-card" title={t('orders.timeline')}>
            <OrderHistory order={order} />
          </Card>
        </Col>
      </Row>
    </PageContainer>
  );
}

function MoneyText({ m }: { m: { amount: string; currencyCode: string } | null | undefined }) {
  const { i18n } = useTranslation();
  return <>{formatMoney(m, i18n.language)}</>;
}

function OrderHeader({ order }: { order: OrdersDetailFragment }) {
  const { t, i18n } = useTranslation();
  const session = useSession()!;
  return (
    <Descriptions size="small" column={{ xs: 1, md: 2, xl: 4 }} className="tgo-header-meta">
      {session.role !== 'MERCHANT' && <Descriptions.Item label={t('orders.store')}>{order.store.name}</Descriptions.Item>}
      {session.role !== 'BUYER' && (
        <Descriptions.Item label={t('orders.buyer')}>
          {order.buyer.displayName}
          {order.buyer.email && <Typography.Text type="secondary"> · {order.buyer.email}</Typography.Text>}
        </Descriptions.Item>
      )}
      <Descriptions.Item label={t('orders.createdAt')}>{formatDateTime(order.createdAt, i18n.language, order.store.timeZone)}</Descriptions.Item>
      <Descriptions.Item label={t('orders.paymentMethod')}>{order.paymentMethod ? t(`orders.payment.${order.paymentMethod}`) : '—'}</Descriptions.Item>
      <Descriptions.Item label={t('orders.total')}>
        <Typography.Text strong>{formatMoney(order.total, i18n.language)}</Typography.Text>
      </Descriptions.Item>
    </Descriptions>
  );
}

function OrderSteps({ order }: { order: OrdersDetailFragment }) {
  const { t, i18n } = useTranslation();
  const at = (iso: string | null | undefined) => (iso ? formatDateTime(iso, i18n.language, order.store.timeZone) : undefined);
  const steps = [
    { title: t('orders.stepCreated'), description: at(order.createdAt) },
    { title: t('orders.stepPaid'), description: at(order.paidAt) },
    { title: t('orders.stepShipped'), description: at(order.shippedAt) },
    { title: t('orders.stepDelivered'), description: at(order.deliveredAt) },
    { title: t('orders.stepCompleted'), description: at(order.completedAt) },
  ];
  const reached = [order.createdAt, order.paidAt, order.shippedAt, order.deliveredAt, order.completedAt].filter(Boolean).length;
  if (order.status === 'CANCELLED') {
    const kept = steps.slice(0, reached);
    kept.push({ title: t('enums.OrderStatus.CANCELLED'), description: at(order.cancelledAt) });
    return <Steps className="tgo-steps" size="small" labelPlacement="vertical" current={kept.length - 1} status="error" items={kept} />;
  }
  return <Steps className="tgo-steps" size="small" labelPlacement="vertical" current={order.status === 'COMPLETED' ? 4 : reached} status={order.status === 'COMPLETED' ? 'finish' : 'process'} items={steps} />;
}

function DeadlineBanner({ order }: { order: OrdersDetailFragment }) {
  const { t, i18n } = useTranslation();
  const d = order.deadline!;
  return (
    <DeadlineBar
      at={d.at}
      testId="order-deadline"
      title={t(`orders.deadlineTitle.${d.action}`)}
      text={t(`orders.deadlineText.${d.action}`, { time: formatDateTime(d.at, i18n.language, order.store.timeZone) })}
    />
  );
}

function ItemsTable({ order }: { order: OrdersDetailFragment }) {
  const { t, i18n } = useTranslation();
  const paid = order.items.filter((i) => !i.isGift);
  const rows: Item[] = [];
  for (const line of paid) {
    rows.push(line);
    rows.push(...order.items.filter((g) => g.isGift && g.giftOf === line.id));
  }
  rows.push(...order.items.filter((g) => g.isGift && !paid.some((p) => p.id === g.giftOf)));
  const titleOf = (id: string | null | undefined) => order.items.find((i) => i.id === id)?.title;
  return (
    <Table<Item>
      size="middle"
      rowKey="id"
      data-testid="order-items"
      dataSource={rows}
      pagination={false}
      rowClassName={(r) => (r.isGift ? 'tgo-gift-row' : '')}
      columns={[
        {
          title: t('orders.product'),
          key: 'title',
          render: (_, r) =>
            r.isGift ? (
              <Space direction="vertical" size={0} style={{ paddingLeft: 20 }} data-testid="gift-row">
                <Space size={6}>
                  <Tag color="magenta" icon={<GiftOutlined />}>
                    {t('orders.gift')}
                  </Tag>
                  <span>{r.title}</span>
                </Space>
                <Typography.Text type="secondary" className="tgo-small">
                  {t('orders.giftOf', { title: titleOf(r.giftOf) ?? '—' })}
                </Typography.Text>
              </Space>
            ) : (
              <Typography.Text strong>{r.title}</Typography.Text>
            ),
        },
        {
          title: t('orders.unitPrice'),
          key: 'unit',
          align: 'right',
          render: (_, r) => <span className="tgo-nowrap">{r.isGift ? '—' : formatMoney(r.unitPrice, i18n.language)}</span>,
        },
        { title: t('orders.quantity'), key: 'qty', align: 'right', width: 70, render: (_, r) => <span className="tgo-nowrap">× {r.quantity}</span> },
        {
          title: t('orders.declaredValue'),
          key: 'declared',
          align: 'right',
          render: (_, r) =>
            r.isGift ? (
              <span title={t('orders.declaredValueHelp')} className="tgo-nowrap">
                {formatMoney(r.declaredValue, i18n.language)}
              </span>
            ) : (
              '—'
            ),
        },
        {
          title: t('orders.lineTotal'),
          key: 'total',
          align: 'right',
          render: (_, r) =>
            r.isGift ? (
              <span className="tgo-nowrap">{t('orders.free')}</span>
            ) : (
              <Typography.Text strong className="tgo-nowrap">
                {formatMoney(r.lineTotal, i18n.language)}
              </Typography.Text>
            ),
        },
      ]}
    />
  );
}

function MoneySummary({ order }: { order: OrdersDetailFragment }) {
  const { t, i18n } = useTranslation();
  const m = (x: { amount: string; currencyCode: string }) => formatMoney(x, i18n.language);
  const row = (label: string, value: string, testId: string, strong = false) => (
    <div className={strong ? 'tgo-money-row tgo-money-total' : 'tgo-money-row'} data-testid={testId}>
      <span>{label}</span>
      <span className="tgo-money-value">{value}</span>
    </div>
  );
  return (
    <div className="tgo-money-summary" style={{ marginTop: 16 }} data-testid="order-money">
      {row(t('orders.subtotal'), m(order.subtotal), 'money-subtotal')}
      {row(t('orders.shippingFee'), m(order.shipping), 'money-shipping')}
      {row(t('orders.total'), m(order.total), 'money-total', true)}
      {row(t('orders.paid'), m(order.paid), 'money-paid')}
      {row(t('orders.refunded'), m(order.refunded), 'money-refunded')}
      {row(t('orders.refundable'), m(order.refundable), 'money-refundable')}
    </div>
  );
}

function RatingCard({ order }: { order: OrdersDetailFragment }) {
  const { t, i18n } = useTranslation();
  const r = order.rating;
  const tz = order.store.timeZone;
  return (
    <Card variant="borderless" className="tgo-card" title={t('orders.rating')} data-testid="order-rating">
      {!r ? (
        <Empty
          image={Empty.PRESENTED_IMAGE_SIMPLE}
          description={
            order.ratingClosesAt ? t('orders.notRatedUntil', { time: formatDateTime(order.ratingClosesAt, i18n.language, tz) }) : t('orders.notRated')
          }
        />
      ) : (
        <Space direction="vertical" size={8} style={{ width: '100%' }}>
          <Space wrap size={16}>
            <Space size={6}>
              <Typography.Text strong>{t('orders.ratingOverall')}</Typography.Text>
              <Rate disabled value={r.overall} aria-label={t('orders.stars', { count: r.overall })} />
            </Space>
            {r.negative && <Tag color="red">{t('orders.negative')}</Tag>}
          </Space>
          <Space wrap size={16} className="tgo-small">
            <span>{t('orders.ratingDescription', { n: r.descriptionMatch })}</span>
            <span>{t('orders.ratingService', { n: r.serviceAttitude })}</span>
            <span>{t('orders.ratingLogistics', { n: r.logisticsSpeed })}</span>
          </Space>
          <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{r.comment || <Typography.Text type="secondary">{t('orders.noComment')}</Typography.Text>}</Typography.Paragraph>
          <Typography.Text type="secondary" className="tgo-small">
            {formatDateTime(r.createdAt, i18n.language, tz)}
            {r.revisedAt && ` · ${t('orders.revisedAt', { time: formatDateTime(r.revisedAt, i18n.language, tz) })}`}
          </Typography.Text>
          {r.reply && (
            <Alert
              type="info"
              message={t('orders.storeReply')}
              description={<span style={{ whiteSpace: 'pre-wrap' }}>{r.reply}</span>}
            />
          )}
        </Space>
      )}
    </Card>
  );
}

function OrderHistory({ order }: { order: OrdersDetailFragment }) {
  const label = useActionLabel('orders.event');
  return <History events={order.timeline} label={label} statusType="OrderStatus" timeZone={order.store.timeZone} testId="order-timeline" />;
}

