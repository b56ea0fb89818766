import { PageContainer } from '@ant-design/pro-components';
import { App, Button, Card, Col, DatePicker, Flex, Form, Input, Progress, Row, Select, Space, Table, Tooltip, Typography } from 'antd';
import type { ColumnsType, SortOrder } from 'antd/es/table/interface';
import { DownloadOutlined, ReloadOutlined, SyncOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { useCallback, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useMutation, useQuery } from 'urql';
import {
  AdminScoreboardDocument,
  AdminScoreboardSummaryDocument,
  AdminScoresRecomputeDocument,
  type AdminScoreJobFieldsFragment,
  type AdminScoreboardQuery,
  type MetricKey,
  type ScoreLevel,
  type ScoreboardSortField,
} from '../../../gql/graphql';
import { ApiError, type UserError } from '../../lib/ApiError';
import { formatDate } from '../../lib/format';
import { LevelTag } from '../../lib/Labels';
import { applyListChange } from '../../lib/urlList';
import { formatMetricValue } from '../metrics/metricValue';
import { asOfInstant } from './asOf';
import { useCategoryLabel } from './category';
import { CursorPager } from './CursorPager';
import { downloadWithToken } from './download';
import { useUrlList } from './listState';
import { RecomputeProgress } from './RecomputeProgress';
import './admin.css';

type Row = AdminScoreboardQuery['scoreboard']['nodes'][number];

export const METRIC_KEYS: MetricKey[] = [
  'dissatisfactionRate',
  'orderDefectRate',
  'refundRate',
  'qualityRefundRate',
  'interventionRate',
  'disputeRate',
  'lateShipmentRate',
  'cancellationRate',
  'responseTime',
  'averageRating',
];
export const LEVELS: ScoreLevel[] = ['S', 'A', 'B', 'C', 'D', 'UNRATED'];
const SORT_FIELDS: string[] = ['SCORE', 'LEVEL', 'STORE_NAME', ...METRIC_KEYS];

// Text colours dark enough to read on white (WCAG AA, 4.5:1).
const statusColor: Record<string, string> = { EXCELLENT: '#237804', GOOD: '#0958d9', AT_RISK: '#ad4e00', FAILING: '#cf1322', INSUFFICIENT_DATA: '#595959' };
const scoreColor = (s: number) => (s >= 80 ? '#52c41a' : s >= 60 ? '#faad14' : '#ff4d4f');

// The platform's view of every store: its latest daily score on the day asked, its level and each metric,
// filtered, sorted by any column on the server and paginated; exported as CSV; recomputed on demand.
export default function ScoreboardPage() {
  const { t, i18n } = useTranslation();
  const { message, modal } = App.useApp();
  const list = useUrlList();
  const category = useCategoryLabel();
  const day = list.get('asOf');
  const asOf = asOfInstant(day);
  const levels = list.getList('level').filter((l): l is ScoreLevel => LEVELS.includes(l as ScoreLevel));
  const failing = METRIC_KEYS.includes(list.get('failing') as MetricKey) ? (list.get('failing') as MetricKey) : undefined;
  const search = list.get('q');
  const sortField = SORT_FIELDS.includes(list.get('sort') ?? '') ? (list.get('sort') as ScoreboardSortField) : undefined;
  const direction = list.get('dir') === 'ASC' ? 'ASC' : 'DESC';

  const variables = useMemo(
    () => ({
      asOf,
      first: list.pageSize,
      after: list.after,
      filter: { level: levels.length ? levels : undefined, failingMetric: failing, search: search || undefined },
      orderBy: sortField ? { field: sortField, direction: direction as 'ASC' | 'DESC' } : undefined,
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [asOf, list.pageSize, list.after, levels.join(','), failing, search, sortField, direction],
  );
  const [{ data, error, fetching }, refetch] = useQuery({ query: AdminScoreboardDocument, variables });
  const [{ data: summary }, refetchSummary] = useQuery({ query: AdminScoreboardSummaryDocument, variables: { asOf } });
  const [, recompute] = useMutation(AdminScoresRecomputeDocument);
  const [job, setJob] = useState<AdminScoreJobFieldsFragment | null>(null);
  const [jobErrors, setJobErrors] = useState<readonly UserError[]>([]);
  const [exporting, setExporting] = useState(false);
  const [searchText, setSearchText] = useState(search ?? '');

  const dayLabel = day && asOf ? formatDate(asOf, i18n.language, 'UTC') : t('scoreboard.today');
  const board = data?.scoreboard;

  const onFinished = useCallback(
    (j: AdminScoreJobFieldsFragment) => {
      if (j.status === 'SUCCEEDED') message.success(t('scoreboard.recomputeDone', { done: j.done, total: j.total }));
      else message.error(t('scoreboard.recomputeFailed', { error: j.error ?? '' }));
      refetch({ requestPolicy: 'network-only' });
      refetchSummary({ requestPolicy: 'network-only' });
    },
    [message, t, refetch, refetchSummary],
  );

  const startRecompute = () =>
    modal.confirm({
      title: t('scoreboard.recomputeTitle'),
      content: t('scoreboard.recomputeText', { day: dayLabel }),
      okText: t('scoreboard.recomputeOk'),
      cancelText: t('common.cancel'),
      onOk: async () => {
        setJobErrors([]);
        const r = await recompute({ asOf });
        const p = r.data?.scoresRecompute;
        if (r.error) setJobErrors([{ code: 'ERROR', message: r.error.message }]);
        else if (p?.userErrors.length) setJobErrors(p.userErrors);
        else if (p?.job) setJob(p.job);
      },
    });

  const exportCsv = async () => {
    const q = new URLSearchParams();
    if (asOf) q.set('asOf', asOf);
    for (const l of levels) q.append('level', l);
    if (failing) q.set('failingMetric', failing);
    if (search) q.set('search', search);
    if (sortField) {
      q.set('orderBy', sortField);
      q.set('direction', direction);
    }
    setExporting(true);
    try {
      const name = await downloadWithToken(`/exports/scoreboard.csv?${q}`, `scoreboard-${day ?? dayjs().format('YYYY-MM-DD')}.csv`);
      message.success(t('scoreboard.exported', { name }));
    } catch (e) {
      message.error(t('scoreboard.exportFailed', { message: (e as Error).message }));
    } finally {
      setExporting(false);
    }
  };

  const order = (key: string): SortOrder | undefined => {
    if (sortField === key) return direction === 'ASC' ? 'ascend' : 'descend';
    if (!sortField && key === 'SCORE') return 'descend';
    return undefined;
  };

  const columns: ColumnsType<Row> = [
    {
      key: 'STORE_NAME',
      title: t('scoreboard.store'),
      fixed: 'left',
      width: 210,
      sorter: true,
      sortOrder: order('STORE_NAME'),
      render: (_, r) => (
        <Flex vertical gap={0}>
          <Link to={`/admin/stores/${encodeURIComponent(r.store.id)}`} data-testid="store-link" className="tg-store-link">
            {r.store.name}
          </Link>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {r.store.slug} · {category(r.store.category)}
            {r.store.status !== 'ACTIVE' && ` · ${t(`scoreboard.storeStatus.${r.store.status}`)}`}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      key: 'SCORE',
      title: t('scoreboard.score'),
      width: 130,
      sorter: true,
      sortOrder: order('SCORE'),
      render: (_, r) =>
        r.score ? (
          <Tooltip title={t('scoreboard.scoredDay', { day: r.score.day })}>
            <Flex vertical gap={0} data-testid="score-cell">
              <Typography.Text strong style={{ fontSize: 16 }} data-testid="score">
                {r.score.score.toFixed(1)}
              </Typography.Text>
              <Progress percent={r.score.score} showInfo={false} size="small" strokeColor={scoreColor(r.score.score)} aria-label={t('scoreboard.score')} />
            </Flex>
          </Tooltip>
        ) : (
          <Typography.Text type="secondary" data-testid="score">
            {t('scoreboard.neverScored')}
          </Typography.Text>
        ),
    },
    {
      key: 'LEVEL',
      title: t('scoreboard.level'),
      width: 90,
      sorter: true,
      sortOrder: order('LEVEL'),
      render: (_, r) => (
        <span data-testid="level" data-level={r.score?.level ?? 'UNRATED'}>
          <LevelTag level={r.score?.level ?? 'UNRATED'} />
        </span>
      ),
    },
    ...METRIC_KEYS.map(
      (k): ColumnsType<Row>[number] => ({
        key: k,
        title: t(`enums.MetricKey.${k}`),
        width: 150,
        sorter: true,
        sortOrder: order(k),
        sortDirections: ['descend', 'ascend'],
        render: (_, r) => {
          const m = r.metrics.find((x) => x.metric === k);
          if (!m) return <Typography.Text type="secondary">—</Typography.Text>;
          const status = t(`enums.MetricStatus.${m.status}`);
          return (
            <Tooltip title={t('scoreboard.metricTip', { status, numerator: m.numerator, denominator: m.denominator })}>
              <Flex vertical gap={0} data-testid={`metric-${k}`} data-status={m.status}>
                <Typography.Text style={{ color: m.insufficientData ? undefined : statusColor[m.status], fontWeight: 500 }}>
                  {formatMetricValue(k, m.value, i18n.language)}
                </Typography.Text>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  <span className="tg-dot" style={{ background: statusColor[m.status] }} aria-hidden />
                  {m.insufficientData ? t('scoreboard.insufficient') : status}
                </Typography.Text>
              </Flex>
            </Tooltip>
          );
        },
      }),
    ),
    {
      key: 'orders',
      title: t('scoreboard.orders30'),
      width: 100,
      align: 'right',
      render: (_, r) => r.score?.ordersLast30Days ?? '—',
    },
    {
      key: 'policy',
      title: t('scoreboard.policy'),
      width: 80,
      render: (_, r) => (r.score ? t('scoreboard.policyVersion', { version: r.score.policyVersion }) : '—'),
    },
  ];

  const counts = summary
    ? [
        { level: 'S', n: summary.s.totalCount },
        { level: 'A', n: summary.a.totalCount },
        { level: 'B', n: summary.b.totalCount },
        { level: 'C', n: summary.c.totalCount },
        { level: 'D', n: summary.d.totalCount },
        { level: 'UNRATED', n: summary.unrated.totalCount },
      ]
    : [];
  const filtered = levels.length > 0 || !!failing || !!search;

  return (
    <PageContainer
      title={t('scoreboard.title')}
      subTitle={day && asOf ? t('scoreboard.subtitle', { day: dayLabel }) : t('scoreboard.subtitleToday')}
      className="tg-page"
      extra={[
        <DatePicker
          key="asOf"
          aria-label={t('scoreboard.asOf')}
          data-testid="as-of"
          allowClear
          value={day ? dayjs(day) : dayjs()}
          disabledDate={(d) => d.isAfter(dayjs(), 'day')}
          onChange={(d) => list.set({ asOf: d && !d.isSame(dayjs(), 'day') ? d.format('YYYY-MM-DD') : undefined })}
          format="YYYY-MM-DD"
        />,
        <Button key="export" icon={<DownloadOutlined />} loading={exporting} onClick={exportCsv} data-testid="export-csv">
          {t('scoreboard.export')}
        </Button>,
        <Button key="recompute" type="primary" icon={<SyncOutlined spin={job?.status === 'RUNNING'} />} disabled={job?.status === 'RUNNING'} onClick={startRecompute} data-testid="recompute">
          {t('scoreboard.recompute')}
        </Button>,
      ]}
    >
      <Space direction="vertical" size={16} style={{ width: '100%' }}>
        <ApiError userErrors={jobErrors} />
        {job && (
          <RecomputeProgress
            key={job.id}
            job={job}
            dayLabel={dayLabel}
            onFinished={onFinished}
            onClose={() => setJob(null)}
          />
        )}
        <Row gutter={[12, 12]} data-testid="level-summary">
          <Col xs={12} md={6} xl={6}>
            <Card size="small" className="tg-stat-card">
              <Typography.Text type="secondary">{t('scoreboard.storesOnBoard')}</Typography.Text>
              <div className="tg-stat-value">{summary?.all.totalCount ?? '—'}</div>
            </Card>
          </Col>
          {counts.map((c) => {
            const active = levels.length === 1 && levels[0] === c.level;
            return (
              <Col key={c.level} xs={12} md={3} xl={3}>
                <Card
                  size="small"
                  hoverable
                  className={`tg-stat-card${active ? ' tg-stat-card-active' : ''}`}
                  role="button"
                  tabIndex={0}
                  aria-pressed={active}
                  onClick={() => list.set({ level: active ? undefined : c.level })}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' || e.key === ' ') {
                      e.preventDefault();
                      list.set({ level: active ? undefined : c.level });
                    }
                  }}
                  data-testid={`level-count-${c.level}`}
                >
                  <LevelTag level={c.level} />
                  <div className="tg-stat-value">{c.n}</div>
                </Card>
              </Col>
            );
          })}
        </Row>
        <Card size="small">
          <Form layout="inline" className="tg-filter-bar" onSubmitCapture={(e) => e.preventDefault()}>
            <Form.Item label={t('scoreboard.levelFilter')} htmlFor="sb-level">
              <Select
                id="sb-level"
                data-testid="filter-level"
                mode="multiple"
                allowClear
                style={{ minWidth: 200 }}
                placeholder={t('scoreboard.levelPlaceholder')}
                value={levels}
                onChange={(v: string[]) => list.set({ level: applyListChange(new URLSearchParams(window.location.search).get('level'), levels, v) })}
                options={LEVELS.map((l) => ({ value: l, label: t(`enums.ScoreLevel.${l}`) }))}
              />
            </Form.Item>
            <Form.Item label={t('scoreboard.failingFilter')} htmlFor="sb-failing">
              <Select
                id="sb-failing"
                data-testid="filter-failing"
                allowClear
                style={{ minWidth: 220 }}
                placeholder={t('scoreboard.failingPlaceholder')}
                value={failing}
                onChange={(v?: string) => list.set({ failing: v })}
                options={METRIC_KEYS.map((k) => ({ value: k, label: t(`enums.MetricKey.${k}`) }))}
              />
            </Form.Item>
            <Form.Item label={t('scoreboard.searchLabel')} htmlFor="sb-search">
              <Input.Search
                id="sb-search"
                data-testid="filter-search"
                allowClear
                style={{ width: 280 }}
                placeholder={t('scoreboard.searchPlaceholder')}
                value={searchText}
                onChange={(e) => {
                  setSearchText(e.target.value);
                  if (!e.target.value) list.set({ q: undefined });
                }}
                onSearch={(v) => list.set({ q: v.trim() || undefined })}
                enterButton={t('common.search')}
              />
            </Form.Item>
            {filtered && (
              <Form.Item>
                <Button
                  icon={<ReloadOutlined />}
                  onClick={() => {
                    setSearchText('');
                    list.set({ level: undefined, failing: undefined, q: undefined });
                  }}
                >
                  {t('scoreboard.reset')}
                </Button>
              </Form.Item>
            )}
          </Form>
        </Card>
        <ApiError error={error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
        <Card size="small" className="tg-table-card">
          <Table<Row>
            data-testid="scoreboard"
            rowKey={(r) => r.store.id}
            size="middle"
            loading={fetching}
            columns={columns}
            dataSource={board?.nodes ?? []}
            pagination={false}
            scroll={{ x: 2100 }}
            className="tg-scoreboard"
            showSorterTooltip={{ target: 'sorter-icon' }}
            locale={{ emptyText: filtered || day ? t('scoreboard.empty') : t('scoreboard.emptyNoStores') }}
            onChange={(_p, _f, sorter) => {
              const s = Array.isArray(sorter) ? sorter[0] : sorter;
              if (!s.order) list.set({ sort: undefined, dir: undefined });
              else list.set({ sort: String(s.columnKey), dir: s.order === 'ascend' ? 'ASC' : 'DESC' });
            }}
          />
          <CursorPager list={list} totalCount={board?.totalCount ?? 0} hasNextPage={!!board?.pageInfo.hasNextPage} endCursor={board?.pageInfo.endCursor} testId="scoreboard-pager" />
        </Card>
      </Space>
    </PageContainer>
  );
}
