import { PageContainer } from '@ant-design/pro-components';
import { Alert, Badge, Card, Col, List, Row, Space, Tag, Typography } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useQuery } from 'urql';
import { DashboardDocument } from '../../../gql/graphql';
import { ApiError } from '../../lib/ApiError';
import { Countdown } from '../../lib/Countdown';
import { formatDateTime, sameLocalDay } from '../../lib/format';
import { EnumTag } from '../../lib/Labels';
import { PageLoading } from '../../lib/PageLoading';
import { StoreHealth } from '../metrics/StoreHealth';

const DAY = 86_400_000;

// The merchant's start page: score and level with its explanation, every metric against its thresholds
// with its trend, the what-if, the cases due today and the penalties in force.
export default function DashboardPage() {
  const { t, i18n } = useTranslation();
  const variables = useMemo(() => {
    const now = Date.now();
    return {
      trendFrom: new Date(now - 30 * DAY).toISOString(),
      trendTo: new Date(now).toISOString(),
      historyFrom: new Date(now - 90 * DAY).toISOString(),
    };
  }, []);
  const [{ data, error, fetching }, refetch] = useQuery({ query: DashboardDocument, variables });
  const store = data?.viewer?.store;
  if (!data && fetching) return <PageLoading />;

  const now = Date.now();
  const open = data?.afterSalesCases.nodes ?? [];
  const withDeadline = open.filter((c) => c.deadline);
  const overdue = withDeadline.filter((c) => Date.parse(c.deadline!.at) < now);
  const today = withDeadline.filter((c) => Date.parse(c.deadline!.at) >= now && sameLocalDay(Date.parse(c.deadline!.at), now, store?.timeZone));
  const shown = [...overdue, ...today];

  return (
    <PageContainer title={t('dashboard.title')} subTitle={store && t('dashboard.welcome', { store: store.name })}>
      <ApiError error={error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      {store && (
        <Space direction="vertical" size={16} style={{ width: '100%' }}>
          <Row gutter={[16, 16]}>
            <Col xs={24} xl={14}>
              <Card
                title={t('dashboard.dueToday')}
                extra={<Link to="/cases?openOnly=1">{t('dashboard.openQueue')}</Link>}
                data-testid="due-today"
              >
                <Typography.Paragraph type="secondary">
                  {t('dashboard.dueTodayCount', { count: today.length, overdue: overdue.length, open: data.afterSalesCases.totalCount })}
                </Typography.Paragraph>
                <List
                  size="small"
                  dataSource={shown.slice(0, 8)}
                  locale={{ emptyText: t('dashboard.noneDue') }}
                  renderItem={(c) => (
                    <List.Item extra={<Countdown at={c.deadline!.at} />}>
                      <Space wrap>
                        <Link to={`/cases/${encodeURIComponent(c.id)}`}>{c.number}</Link>
                        <EnumTag type="AfterSalesCaseType" value={c.type} />
                        <EnumTag type="AfterSalesCaseStatus" value={c.status} color="processing" />
                        <Typography.Text type="secondary">{t(`enums.CaseDeadlineAction.${c.deadline!.action}`)}</Typography.Text>
                      </Space>
                    </List.Item>
                  )}
                />
              </Card>
            </Col>
            <Col xs={24} xl={10}>
              <Card title={t('dashboard.penalties')} data-testid="penalties">
                <List
                  size="small"
                  dataSource={store.penalties}
                  locale={{ emptyText: t('dashboard.noPenalties') }}
                  renderItem={(p) => (
                    <List.Item>
                      <Space direction="vertical" size={0}>
                        <Space>
                          <Badge status="error" />
                          <Typography.Text strong>{t(`enums.PenaltyKind.${p.kind}`)}</Typography.Text>
                          <Tag>{t(`enums.ViolationTrack.${p.track}`)}</Tag>
                          <Typography.Text type="secondary">{t('dashboard.points', { points: p.points })}</Typography.Text>
                        </Space>
                        <Typography.Text type="secondary">
                          {p.endsAt ? t('dashboard.until', { time: formatDateTime(p.endsAt, i18n.language, store.timeZone) }) : t('dashboard.indefinite')}
                        </Typography.Text>
                      </Space>
                    </List.Item>
                  )}
                />
              </Card>
            </Col>
          </Row>
          <StoreHealth store={store} orderLink={(id) => `/orders/${encodeURIComponent(id)}`} caseLink={(id) => `/cases/${encodeURIComponent(id)}`} />
        </Space>
      )}
      {data && !store && <Alert type="info" message={t('common.notFoundText')} />}
    </PageContainer>
  );
}
