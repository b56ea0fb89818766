import { PageContainer } from '@ant-design/pro-components';
import { Badge, Button, Card, Col, Descriptions, Empty, Flex, Row, Space, Switch, Table, Tag, Timeline, Tooltip, Typography } from 'antd';
import { ExclamationCircleOutlined, WarningOutlined } from '@ant-design/icons';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useQuery } from 'urql';
import { AdminStoreCasesDocument, AdminStoreDocument, AdminStoreOrdersDocument, type AdminPenaltyFieldsFragment, type AdminStoreQuery } from '../../../gql/graphql';
import { ApiError } from '../../lib/ApiError';
import { Countdown } from '../../lib/Countdown';
import { formatDateTime, formatMoney } from '../../lib/format';
import { EnumTag, LevelTag } from '../../lib/Labels';
import NotFound from '../../lib/NotFound';
import { PageLoading } from '../../lib/PageLoading';
import { ViolationsTable } from '../admin-violations/ViolationParts';
import { StoreHealth } from '../metrics/StoreHealth';
import { CursorPager } from '../scoreboard/CursorPager';
import { useCategoryLabel } from '../scoreboard/category';
import { useUrlList } from '../scoreboard/listState';
import '../scoreboard/admin.css';
import { PenaltyLiftButton } from './PenaltyLift';

const DAY = 86_400_000;
type StoreNode = Extract<NonNullable<AdminStoreQuery['node']>, { slug: string }>;
const TABS = ['health', 'enforcement', 'orders', 'cases', 'history'] as const;
const statusBadge: Record<string, 'success' | 'warning' | 'default' | 'error'> = { ACTIVE: 'success', CLOSING: 'warning', CLOSED: 'default', SUSPENDED: 'error' };

// One store as the platform sees it: its health exactly as its merchant sees it (score, metrics and their
// drill-down), its profile and points, its penalties (lifted here after a review), violations, orders,
// cases and history.
export default function StorePage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const list = useUrlList();
  const category = useCategoryLabel();
  const tab = (TABS as readonly string[]).includes(list.get('tab') ?? '') ? list.get('tab')! : 'health';
  const variables = useMemo(() => {
    const now = Date.now();
    return { id, trendFrom: new Date(now - 30 * DAY).toISOString(), trendTo: new Date(now).toISOString(), historyFrom: new Date(now - 90 * DAY).toISOString() };
  }, [id]);
  const [{ data, error, fetching }, refetch] = useQuery({ query: AdminStoreDocument, variables });
  if (!data && fetching) return <PageLoading />;
  if (!data && error) {
    return (
      <PageContainer title={t('admin-store.back')}>
        <ApiError error={error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      </PageContainer>
    );
  }
  const store = data?.node && 'slug' in data.node ? (data.node as StoreNode) : null;
  if (!store) return <NotFound />;

  const lang = i18n.language;
  const tz = store.timeZone;
  const inForce = new Set(store.inForce.map((p) => p.id));
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const penaltiesSorted = [...store.penalties].sort((a, b) => Number(inForce.has(b.id)) - Number(inForce.has(a.id)) || Date.parse(b.startsAt) - Date.parse(a.startsAt));

  const penaltyState = (p: AdminPenaltyFieldsFragment) => {
    if (inForce.has(p.id)) return <Tag color="red">{t('admin-store.stateInForce')}</Tag>;
    if (p.liftedAt) return <Tag>{t('admin-store.stateLifted')}</Tag>;
    if (Date.parse(p.startsAt) > Date.now()) return <Tag color="blue">{t('admin-store.stateScheduled')}</Tag>;
    return <Tag>{t('admin-store.stateEnded')}</Tag>;
  };

  return (
    <PageContainer
      className="tg-page"
      title={
        <Space size={12}>
          <span data-testid="store-name">{store.name}</span>
          {store.score && <LevelTag level={store.score.level} />}
        </Space>
      }
      subTitle={t('admin-store.subtitle', { slug: store.slug, category: category(store.category) })}
      breadcrumb={{ items: [{ title: <Link to="/admin/scoreboard">{t('admin-store.back')}</Link> }, { title: store.name }] }}
      extra={[
        <Link key="issue" to={`/admin/violations?issue=${encodeURIComponent(store.id)}`}>
          <Button icon={<ExclamationCircleOutlined />}>{t('admin-store.issueViolation')}</Button>
        </Link>,
      ]}
      content={
        <Descriptions size="small" column={{ xs: 1, md: 2, xl: 4 }} data-testid="store-info">
          <Descriptions.Item label={t('admin-store.status')}>
            <Badge status={statusBadge[store.status]} text={t(`admin-store.storeStatus.${store.status}`)} />
          </Descriptions.Item>
          <Descriptions.Item label={t('admin-store.category')}>{category(store.category)}</Descriptions.Item>
          <Descriptions.Item label={t('admin-store.timeZone')}>{store.timeZone}</Descriptions.Item>
          <Descriptions.Item label={t('admin-store.created')}>{formatDateTime(store.createdAt, lang, tz)}</Descriptions.Item>
          <Descriptions.Item label={t('admin-store.currency')}>{store.currencyCode}</Descriptions.Item>
          <Descriptions.Item label={t('admin-store.activePoints')}>
            <span data-testid="active-points">{t('admin-store.pointsValue', { general: store.activePoints.general, serious: store.activePoints.serious })}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('admin-store.inForce')}>
            {inForce.size ? (
              <Space size={4} wrap>
                {store.penalties
                  .filter((p) => inForce.has(p.id))
                  .map((p) => (
                    <Tag key={p.id} color="red" icon={<WarningOutlined />}>
                      {t(`enums.PenaltyKind.${p.kind}`)}
                    </Tag>
                  ))}
              </Space>
            ) : (
              <Typography.Text type="secondary">{t('admin-store.noneInForce')}</Typography.Text>
            )}
          </Descriptions.Item>
          {store.closesAt && <Descriptions.Item label={t('admin-store.closesAt')}>{formatDateTime(store.closesAt, lang, tz)}</Descriptions.Item>}
          {store.closedAt && <Descriptions.Item label={t('admin-store.closedAt')}>{formatDateTime(store.closedAt, lang, tz)}</Descriptions.Item>}
        </Descriptions>
      }
      tabActiveKey={tab}
      onTabChange={(k) => list.set({ tab: k === 'health' ? undefined : k })}
      tabList={[
        { key: 'health', tab: t('admin-store.tabHealth') },
        {
          key: 'enforcement',
          tab: (
            <Space size={6}>
              {t('admin-store.tabEnforcement')}
              {inForce.size > 0 && <Badge count={inForce.size} />}
            </Space>
          ),
        },
        { key: 'orders', tab: t('admin-store.tabOrders') },
        { key: 'cases', tab: t('admin-store.tabCases') },
        { key: 'history', tab: t('admin-store.tabHistory') },
      ]}
    >
      <ApiError error={error} onRetry={reload} />
      {tab === 'health' && <StoreHealth store={store} orderLink={(oid) => `/orders/${encodeURIComponent(oid)}`} caseLink={(cid) => `/cases/${encodeURIComponent(cid)}`} />}
      {tab === 'enforcement' && (
        <Space direction="vertical" size={16} style={{ width: '100%' }}>
          <Row gutter={[16, 16]}>
            <Col xs={24} md={8}>
              <Card size="small" className="tg-stat-card">
                <Typography.Text type="secondary">{t('admin-store.general')}</Typography.Text>
                <div className="tg-stat-value">{t('admin-store.points', { count: store.activePoints.general })}</div>
              </Card>
            </Col>
            <Col xs={24} md={8}>
              <Card size="small" className="tg-stat-card">
                <Typography.Text type="secondary">{t('admin-store.serious')}</Typography.Text>
                <div className="tg-stat-value">{t('admin-store.points', { count: store.activePoints.serious })}</div>
              </Card>
            </Col>
            <Col xs={24} md={8}>
              <Card size="small" className="tg-stat-card">
                <Typography.Text type="secondary">{t('admin-store.inForce')}</Typography.Text>
                <div className="tg-stat-value" style={{ color: inForce.size ? '#cf1322' : undefined }}>
                  {inForce.size}
                </div>
              </Card>
            </Col>
          </Row>
          <Card title={t('admin-store.penalties')} size="small" className="tg-table-card" data-testid="penalties">
            <Table<AdminPenaltyFieldsFragment>
              rowKey="id"
              size="middle"
              pagination={false}
              dataSource={penaltiesSorted}
              locale={{ emptyText: t('admin-store.penaltiesEmpty') }}
              scroll={{ x: 900 }}
              columns={[
                {
                  key: 'kind',
                  title: t('admin-store.penalty'),
                  render: (_, p) => (
                    <Flex vertical gap={2} align="flex-start">
                      <Tooltip title={p.reason}>
                        <Typography.Text strong>{t(`enums.PenaltyKind.${p.kind}`)}</Typography.Text>
                      </Tooltip>
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {t('admin-store.penaltyWhy', { track: t(`enums.ViolationTrack.${p.track}`), points: p.points })}
                      </Typography.Text>
                      {p.closureReview && <Tag color="magenta">{t('admin-store.closureReview')}</Tag>}
                    </Flex>
                  ),
                },
                {
                  key: 'track',
                  title: t('admin-store.track'),
                  width: 170,
                  render: (_, p) => (
                    <Flex vertical gap={2}>
                      <span>
                        <Tag color={p.track === 'SERIOUS' ? 'magenta' : 'blue'}>{t(`enums.ViolationTrack.${p.track}`)}</Tag>
                      </span>
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {t('admin-store.threshold', { threshold: p.threshold })}
                      </Typography.Text>
                    </Flex>
                  ),
                },
                { key: 'starts', title: t('admin-store.startsAt'), width: 190, render: (_, p) => formatDateTime(p.startsAt, lang, tz) },
                {
                  key: 'ends',
                  title: t('admin-store.endsAt'),
                  width: 190,
                  render: (_, p) => (p.endsAt ? formatDateTime(p.endsAt, lang, tz) : <Typography.Text type="secondary">{t('admin-store.untilReview')}</Typography.Text>),
                },
                {
                  key: 'state',
                  title: t('admin-store.state'),
                  width: 220,
                  render: (_, p) => (
                    <Flex vertical gap={2} data-testid="penalty-state">
                      <span>{penaltyState(p)}</span>
                      {p.liftedAt && (
                        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                          {t('admin-store.liftedNote', { time: formatDateTime(p.liftedAt, lang, tz), reason: p.liftReason ?? '' })}
                        </Typography.Text>
                      )}
                    </Flex>
                  ),
                },
                {
                  key: 'actions',
                  title: t('common.actions'),
                  width: 100,
                  fixed: 'right',
                  render: (_, p) => (inForce.has(p.id) ? <PenaltyLiftButton penalty={p} /> : null),
                },
              ]}
            />
          </Card>
          <Card
            title={t('admin-store.violations')}
            extra={<Typography.Text type="secondary">{t('admin-store.violationsCount', { count: store.violations.totalCount })}</Typography.Text>}
            size="small"
            className="tg-table-card"
          >
            <ViolationsTable
              testId="store-violations"
              rows={store.violations.nodes.map((v) => ({ ...v, store: { id: store.id, name: store.name, timeZone: tz } }))}
              timeZone={tz}
              emptyText={t('admin-store.violationsEmpty')}
              decidable
            />
          </Card>
        </Space>
      )}
      {tab === 'orders' && <StoreOrders storeId={store.id} timeZone={tz} />}
      {tab === 'cases' && <StoreCases storeId={store.id} timeZone={tz} />}
      {tab === 'history' && (
        <Card title={t('admin-store.history')}>
          {store.history.length === 0 ? (
            <Empty description={t('admin-store.historyEmpty')} />
          ) : (
            <Timeline
              items={[...store.history].reverse().map((h) => ({
                children: (
                  <Flex vertical gap={0}>
                    <Typography.Text strong>{i18n.exists(`admin-store.action.${h.action}`) ? t(`admin-store.action.${h.action}`) : h.action}</Typography.Text>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {formatDateTime(h.at, lang, tz)} · {t(`enums.OrderActor.${h.actor}`)}
                      {h.toStatus && ` · ${h.fromStatus ?? '—'} → ${h.toStatus}`}
                    </Typography.Text>
                    {h.reason && <Typography.Text>{h.reason}</Typography.Text>}
                  </Flex>
                ),
              }))}
            />
          )}
        </Card>
      )}
    </PageContainer>
  );
}

function StoreOrders({ storeId, timeZone }: { storeId: string; timeZone: string }) {
  const { t, i18n } = useTranslation();
  const list = useUrlList('o_');
  const [{ data, error, fetching }, refetch] = useQuery({ query: AdminStoreOrdersDocument, variables: { storeId, first: list.pageSize, after: list.after } });
  const conn = data?.orders;
  return (
    <Card title={t('admin-store.orders')} size="small" className="tg-table-card">
      <ApiError error={error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      <Table
        data-testid="store-orders"
        rowKey="id"
        size="middle"
        loading={fetching}
        pagination={false}
        dataSource={conn?.nodes ?? []}
        locale={{ emptyText: t('admin-store.ordersEmpty') }}
        columns={[
          {
            key: 'number',
            title: t('admin-store.order'),
            render: (_, o) => (
              <Link to={`/orders/${encodeURIComponent(o.id)}`} className="tg-mono">
                {o.number}
              </Link>
            ),
          },
          { key: 'status', title: t('admin-store.status'), render: (_, o) => <EnumTag type="OrderStatus" value={o.status} color={o.status === 'CANCELLED' ? 'default' : 'processing'} /> },
          { key: 'buyer', title: t('admin-store.buyer'), render: (_, o) => o.buyer.displayName },
          { key: 'total', title: t('admin-store.total'), align: 'right', render: (_, o) => formatMoney(o.total, i18n.language) },
          {
            key: 'refunded',
            title: t('admin-store.refunded'),
            align: 'right',
            render: (_, o) => (Number(o.refunded.amount) > 0 ? formatMoney(o.refunded, i18n.language) : <Typography.Text type="secondary">—</Typography.Text>),
          },
          { key: 'created', title: t('admin-store.createdAt'), render: (_, o) => formatDateTime(o.createdAt, i18n.language, timeZone) },
          {
            key: 'flags',
            title: '',
            render: (_, o) => (o.shippedLate ? <Tag color="orange">{t('admin-store.late')}</Tag> : null),
          },
        ]}
      />
      <CursorPager list={list} totalCount={conn?.totalCount ?? 0} hasNextPage={!!conn?.pageInfo.hasNextPage} endCursor={conn?.pageInfo.endCursor} />
    </Card>
  );
}

function StoreCases({ storeId, timeZone }: { storeId: string; timeZone: string }) {
  const { t, i18n } = useTranslation();
  const list = useUrlList('k_');
  const openOnly = list.get('open') !== '0';
  const [{ data, error, fetching }, refetch] = useQuery({
    query: AdminStoreCasesDocument,
    variables: { storeId, first: list.pageSize, after: list.after, openOnly: openOnly || undefined },
  });
  const conn = data?.afterSalesCases;
  return (
    <Card
      title={t('admin-store.cases')}
      size="small"
      className="tg-table-card"
      extra={
        <Space>
          <Typography.Text id="k-open-label">{t('admin-store.openOnly')}</Typography.Text>
          <Switch aria-labelledby="k-open-label" checked={openOnly} onChange={(v) => list.set({ open: v ? undefined : '0' })} />
        </Space>
      }
    >
      <ApiError error={error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      <Table
        data-testid="store-cases"
        rowKey="id"
        size="middle"
        loading={fetching}
        pagination={false}
        dataSource={conn?.nodes ?? []}
        locale={{ emptyText: t('admin-store.casesEmpty') }}
        columns={[
          {
            key: 'number',
            title: t('admin-store.caseNumber'),
            render: (_, c) => (
              <Link to={`/cases/${encodeURIComponent(c.id)}`} className="tg-mono">
                {c.number}
              </Link>
            ),
          },
          { key: 'type', title: t('admin-store.type'), render: (_, c) => <EnumTag type="AfterSalesCaseType" value={c.type} /> },
          { key: 'status', title: t('admin-store.status'), render: (_, c) => <EnumTag type="AfterSalesCaseStatus" value={c.status} color="processing" /> },
          { key: 'reason', title: t('admin-store.reason'), render: (_, c) => t(`enums.AfterSalesReason.${c.reason}`) },
          {
            key: 'order',
            title: t('admin-store.order'),
            render: (_, c) => (c.order ? <Link to={`/orders/${encodeURIComponent(c.order.id)}`}>{c.order.number}</Link> : '—'),
          },
          { key: 'requested', title: t('admin-store.requested'), align: 'right', render: (_, c) => formatMoney(c.requested, i18n.language) },
          {
            key: 'deadline',
            title: t('admin-store.deadline'),
            render: (_, c) =>
              c.deadline ? (
                <Flex vertical gap={0}>
                  <Countdown at={c.deadline.at} />
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {formatDateTime(c.deadline.at, i18n.language, timeZone)} · {t(`enums.CaseDeadlineAction.${c.deadline.action}`)}
                  </Typography.Text>
                </Flex>
              ) : (
                <Typography.Text type="secondary">{t('admin-store.noDeadline')}</Typography.Text>
              ),
          },
        ]}
      />
      <CursorPager list={list} totalCount={conn?.totalCount ?? 0} hasNextPage={!!conn?.pageInfo.hasNextPage} endCursor={conn?.pageInfo.endCursor} />
    </Card>
  );
}
