import { PageContainer } from '@ant-design/pro-components';
import { Alert, App, Badge, Button, Card, Col, Flex, Form, Row, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useQuery } from 'urql';
import {
  AdminViolationStoresDocument,
  AdminViolationsAllDocument,
  AdminViolationsDeskDocument,
  AdminViolationsOfStoreDocument,
  type AdminPenaltyFieldsFragment,
  type ViolationStatus,
  type ViolationTrack,
} from '../../../gql/graphql';
import { ApiError } from '../../lib/ApiError';
import { formatDateTime } from '../../lib/format';
import { PenaltyLiftButton } from '../admin-store/PenaltyLift';
import { CursorPager } from '../scoreboard/CursorPager';
import { useUrlList } from '../scoreboard/listState';
import '../scoreboard/admin.css';
import { IssueViolation } from './IssueViolation';
import { trackColor, useCodeLabel, ViolationsTable, type ViolationRow } from './ViolationParts';

const TABS = ['appeals', 'all', 'review', 'codes'] as const;
const STATUSES: ViolationStatus[] = ['ACTIVE', 'APPEALED', 'UPHELD', 'REVOKED'];
const TRACKS: ViolationTrack[] = ['GENERAL', 'SERIOUS'];
const PER_STORE = 20;

// The platform's violations desk: issue a violation, decide the appeals that wait, list every store's
// violations, and lift the penalties that wait for a platform review.
export default function ViolationsPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const list = useUrlList();
  const tab = (TABS as readonly string[]).includes(list.get('tab') ?? '') ? list.get('tab')! : 'appeals';
  const issueFor = list.get('issue');
  const [{ data, error, fetching }, refetch] = useQuery({ query: AdminViolationsDeskDocument });
  const [{ data: storeData }] = useQuery({ query: AdminViolationStoresDocument });
  const stores = storeData?.stores.nodes ?? [];
  const codes = data?.violationCodes ?? [];
  const reload = () => refetch({ requestPolicy: 'network-only' });

  const appeals: ViolationRow[] = useMemo(
    () =>
      (data?.stores.nodes ?? [])
        .flatMap((s) => s.appeals.nodes.map((v) => ({ ...v, store: { id: s.id, name: s.name, timeZone: s.timeZone } })))
        .sort((a, b) => Date.parse(a.appealedAt ?? a.issuedAt) - Date.parse(b.appealedAt ?? b.issuedAt)),
    [data],
  );
  const appealCount = (data?.stores.nodes ?? []).reduce((n, s) => n + s.appeals.totalCount, 0);
  const review = data?.penaltyReviewQueue ?? [];

  return (
    <PageContainer
      className="tg-page"
      title={t('admin-violations.title')}
      subTitle={t('admin-violations.subtitle')}
      extra={[
        <Button key="issue" type="primary" danger icon={<PlusOutlined />} onClick={() => list.set({ issue: 'new' }, { keepPage: true })} data-testid="open-issue">
          {t('admin-violations.issue')}
        </Button>,
      ]}
      tabActiveKey={tab}
      onTabChange={(k) => list.set({ tab: k === 'appeals' ? undefined : k, store: undefined, status: undefined, track: undefined })}
      tabList={[
        {
          key: 'appeals',
          tab: (
            <Space size={6}>
              {t('admin-violations.tabAppeals')}
              <Badge count={appealCount} showZero={false} />
            </Space>
          ),
        },
        { key: 'all', tab: t('admin-violations.tabAll') },
        {
          key: 'review',
          tab: (
            <Space size={6}>
              {t('admin-violations.tabReview')}
              <Badge count={review.length} showZero={false} />
            </Space>
          ),
        },
        { key: 'codes', tab: t('admin-violations.codes') },
      ]}
    >
      <Space direction="vertical" size={16} style={{ width: '100%' }}>
        <ApiError error={error} onRetry={reload} />
        <Row gutter={[12, 12]}>
          <Col xs={24} md={8}>
            <Card size="small" className="tg-stat-card">
              <Typography.Text type="secondary">{t('admin-violations.statAppeals')}</Typography.Text>
              <div className="tg-stat-value" data-testid="appeal-count" style={{ color: appealCount ? '#d46b08' : undefined }}>
                {data ? appealCount : '—'}
              </div>
            </Card>
          </Col>
          <Col xs={24} md={8}>
            <Card size="small" className="tg-stat-card">
              <Typography.Text type="secondary">{t('admin-violations.statReview')}</Typography.Text>
              <div className="tg-stat-value" style={{ color: review.length ? '#cf1322' : undefined }}>
                {data ? review.length : '—'}
              </div>
            </Card>
          </Col>
          <Col xs={24} md={8}>
            <Card size="small" className="tg-stat-card">
              <Typography.Text type="secondary">{t('admin-violations.statCodes')}</Typography.Text>
              <div className="tg-stat-value">{data ? codes.filter((c) => c.issuedBy === 'ADMIN').length : '—'}</div>
            </Card>
          </Col>
        </Row>
        {tab === 'appeals' && (
          <Card size="small" className="tg-table-card" title={t('admin-violations.tabAppeals')}>
            <ViolationsTable testId="appeals" rows={appeals} showStore loading={fetching} emptyText={t('admin-violations.appealsEmpty')} decidable />
          </Card>
        )}
        {tab === 'all' && <AllViolations stores={stores} />}
        {tab === 'review' && <ReviewQueue penalties={review} loading={fetching} />}
        {tab === 'codes' && <CodeCatalogue codes={codes} loading={fetching} />}
      </Space>
      <IssueViolation
        open={!!issueFor}
        onOpenChange={(o) => {
          if (!o) list.set({ issue: undefined }, { keepPage: true });
        }}
        stores={stores}
        codes={codes}
        initialStoreId={issueFor && issueFor !== 'new' ? issueFor : undefined}
        onIssued={(store) => {
          message.success(t('admin-violations.issued', { store }));
        }}
      />
    </PageContainer>
  );
}

function AllViolations({ stores }: { stores: { id: string; name: string; slug: string; timeZone: string }[] }) {
  const { t } = useTranslation();
  const list = useUrlList();
  const storeId = list.get('store');
  const status = list.getList('status').filter((s): s is ViolationStatus => STATUSES.includes(s as ViolationStatus));
  const track = list.getList('track').filter((s): s is ViolationTrack => TRACKS.includes(s as ViolationTrack));
  const filter = { status: status.length ? status : undefined, track: track.length ? track : undefined };
  const [all, refetchAll] = useQuery({ query: AdminViolationsAllDocument, variables: { first: PER_STORE, filter }, pause: !!storeId });
  const [one, refetchOne] = useQuery({
    query: AdminViolationsOfStoreDocument,
    variables: { storeId: storeId ?? '', first: list.pageSize, after: list.after, filter },
    pause: !storeId,
  });
  const oneStore = one.data?.node && 'violations' in one.data.node ? one.data.node : null;
  const rows: ViolationRow[] = storeId
    ? (oneStore?.violations.nodes ?? []).map((v) => ({ ...v, store: { id: oneStore!.id, name: oneStore!.name, timeZone: oneStore!.timeZone } }))
    : (all.data?.stores.nodes ?? [])
        .flatMap((s) => s.violations.nodes.map((v) => ({ ...v, store: { id: s.id, name: s.name, timeZone: s.timeZone } })))
        .sort((a, b) => Date.parse(b.issuedAt) - Date.parse(a.issuedAt));
  const retry = () => (storeId ? refetchOne : refetchAll)({ requestPolicy: 'network-only' });
  return (
    <Card size="small" className="tg-table-card">
      <Form layout="inline" className="tg-filter-bar" style={{ padding: 12 }}>
        <Form.Item label={t('admin-violations.filterStore')} htmlFor="v-store">
          <Select
            id="v-store"
            allowClear
            showSearch
            optionFilterProp="label"
            style={{ minWidth: 220 }}
            placeholder={t('admin-violations.allStores')}
            value={storeId}
            onChange={(v?: string) => list.set({ store: v })}
            options={stores.map((s) => ({ value: s.id, label: s.name }))}
          />
        </Form.Item>
        <Form.Item label={t('admin-violations.filterStatus')} htmlFor="v-status">
          <Select
            id="v-status"
            mode="multiple"
            allowClear
            style={{ minWidth: 200 }}
            placeholder={t('admin-violations.anyStatus')}
            value={status}
            onChange={(v: string[]) => list.set({ status: v })}
            options={STATUSES.map((s) => ({ value: s, label: t(`enums.ViolationStatus.${s}`) }))}
          />
        </Form.Item>
        <Form.Item label={t('admin-violations.filterTrack')} htmlFor="v-track">
          <Select
            id="v-track"
            mode="multiple"
            allowClear
            style={{ minWidth: 180 }}
            placeholder={t('admin-violations.anyTrack')}
            value={track}
            onChange={(v: string[]) => list.set({ track: v })}
            options={TRACKS.map((s) => ({ value: s, label: t(`enums.ViolationTrack.${s}`) }))}
          />
        </Form.Item>
      </Form>
      {!storeId && <Alert type="info" banner showIcon message={t('admin-violations.latestPerStore', { n: PER_STORE })} />}
      <ApiError error={storeId ? one.error : all.error} onRetry={retry} />
      <ViolationsTable
        testId="all-violations"
        rows={rows}
        showStore
        loading={storeId ? one.fetching : all.fetching}
        emptyText={t('admin-violations.listEmpty')}
        decidable
      />
      {storeId && oneStore && (
        <CursorPager
          list={list}
          totalCount={oneStore.violations.totalCount}
          hasNextPage={oneStore.violations.pageInfo.hasNextPage}
          endCursor={oneStore.violations.pageInfo.endCursor}
        />
      )}
    </Card>
  );
}

function ReviewQueue({ penalties, loading }: { penalties: AdminPenaltyFieldsFragment[]; loading: boolean }) {
  const { t, i18n } = useTranslation();
  return (
    <Card size="small" className="tg-table-card" title={t('admin-violations.tabReview')}>
      <Table<AdminPenaltyFieldsFragment>
        data-testid="penalty-review"
        rowKey="id"
        size="middle"
        loading={loading}
        pagination={false}
        dataSource={penalties}
        locale={{ emptyText: t('admin-violations.reviewEmpty') }}
        columns={[
          {
            key: 'store',
            title: t('admin-violations.store'),
            render: (_, p) => <Link to={`/admin/stores/${encodeURIComponent(p.store.id)}?tab=enforcement`}>{p.store.name}</Link>,
          },
          {
            key: 'kind',
            title: t('admin-violations.penalty'),
            render: (_, p) => (
              <Flex vertical gap={2}>
                <Tooltip title={p.reason}>
                  <Typography.Text strong>{t(`enums.PenaltyKind.${p.kind}`)}</Typography.Text>
                </Tooltip>
                {p.closureReview && (
                  <span>
                    <Tag color="magenta">{t('admin-violations.closureReview')}</Tag>
                  </span>
                )}
              </Flex>
            ),
          },
          {
            key: 'track',
            title: t('admin-violations.track'),
            render: (_, p) => (
              <Space size={4}>
                <Tag color={trackColor[p.track]}>{t(`enums.ViolationTrack.${p.track}`)}</Tag>
                <Typography.Text type="secondary">{t('admin-violations.pointsShort', { count: p.points })}</Typography.Text>
              </Space>
            ),
          },
          { key: 'since', title: t('admin-violations.startsAt'), render: (_, p) => formatDateTime(p.startsAt, i18n.language, p.store.timeZone) },
          {
            key: 'until',
            title: t('admin-violations.endsAt'),
            render: (_, p) => (p.endsAt ? formatDateTime(p.endsAt, i18n.language, p.store.timeZone) : <Typography.Text type="secondary">{t('admin-violations.untilReview')}</Typography.Text>),
          },
          { key: 'actions', title: t('common.actions'), width: 100, render: (_, p) => <PenaltyLiftButton penalty={p} /> },
        ]}
      />
    </Card>
  );
}

function CodeCatalogue({ codes, loading }: { codes: { code: string; name: string; track: ViolationTrack; defaultPoints: number; issuedBy: string; description: string }[]; loading: boolean }) {
  const { t } = useTranslation();
  const label = useCodeLabel();
  return (
    <Card size="small" className="tg-table-card" title={t('admin-violations.codes')}>
      <Table
        data-testid="violation-codes"
        rowKey="code"
        size="middle"
        loading={loading}
        pagination={false}
        dataSource={codes}
        columns={[
          {
            key: 'name',
            title: t('admin-violations.code'),
            render: (_, c) => (
              <Flex vertical gap={0}>
                <Typography.Text strong>{label.name(c.code, c.name)}</Typography.Text>
                <Typography.Text type="secondary" className="tg-mono" style={{ fontSize: 12 }}>
                  {c.code}
                </Typography.Text>
              </Flex>
            ),
          },
          { key: 'track', title: t('admin-violations.track'), render: (_, c) => <Tag color={trackColor[c.track]}>{t(`enums.ViolationTrack.${c.track}`)}</Tag> },
          { key: 'points', title: t('admin-violations.defaultPoints'), align: 'right', render: (_, c) => c.defaultPoints },
          { key: 'by', title: t('admin-violations.issuedBy'), render: (_, c) => t(`admin-violations.issuer.${c.issuedBy === 'SYSTEM' ? 'SYSTEM' : 'ADMIN'}`) },
          { key: 'desc', title: t('admin-violations.note'), render: (_, c) => label.description(c.code, c.description) },
        ]}
      />
    </Card>
  );
}
