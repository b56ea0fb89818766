import { Card, Col, Flex, Row, Space, Statistic, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { MetricFieldsFragment, StoreHealthFragment } from '../../../gql/graphql';
import { Chart } from '../../lib/Chart';
import { MetricStatusTag } from '../../lib/Labels';
import { formatMetricValue } from './metricValue';

export const RATE_KEYS = [
  'dissatisfactionRate',
  'orderDefectRate',
  'refundRate',
  'qualityRefundRate',
  'interventionRate',
  'disputeRate',
  'lateShipmentRate',
  'cancellationRate',
] as const;
export type RateKey = (typeof RATE_KEYS)[number];

// Every metric against its excellent value and threshold, each rate with its daily trend; a rate's card
// opens the orders it counts (onOpen).
export function MetricGrid({ metrics, onOpen }: { metrics: StoreHealthFragment['metrics']; onOpen?: (key: RateKey) => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const rt = metrics.responseTime;
  const rating = metrics.ratings;
  return (
    <Row gutter={[16, 16]}>
      {RATE_KEYS.map((k) => (
        <Col key={k} xs={24} md={12} xl={6}>
          <RateCard metric={metrics[k]} onOpen={onOpen && (() => onOpen(k))} />
        </Col>
      ))}
      <Col xs={24} md={12} xl={6}>
        <Card className="tg-metric-card" data-testid="metric-responseTime" title={t('enums.MetricKey.responseTime')} extra={<MetricStatusTag status={rt.status} />} size="small">
          <Statistic value={t('metrics.hours', { hours: rt.medianHours.toFixed(1) })} />
          <Typography.Text type="secondary">{t('metrics.responseDetail', { hours: rt.medianHours.toFixed(1), answered: rt.answered, cases: rt.cases })}</Typography.Text>
          <Thresholds k="responseTime" excellent={rt.excellent} threshold={rt.threshold} lang={lang} />
        </Card>
      </Col>
      <Col xs={24} md={12} xl={6}>
        <Card className="tg-metric-card" data-testid="metric-averageRating" title={t('enums.MetricKey.averageRating')} extra={<MetricStatusTag status={rating.status} />} size="small">
          <Statistic value={formatMetricValue('averageRating', rating.overall, lang)} />
          <Typography.Text type="secondary">{t('metrics.ratingDetail', { count: rating.count, negative: rating.negative })}</Typography.Text>
          <Thresholds k="averageRating" excellent={rating.excellent} threshold={rating.threshold} lang={lang} />
        </Card>
      </Col>
    </Row>
  );
}

function Thresholds({ k, excellent, threshold, lang }: { k: string; excellent: number; threshold: number; lang: string }) {
  const { t } = useTranslation();
  const up = k === 'averageRating';
  return (
    <Flex gap={12} style={{ marginTop: 4, fontSize: 12 }}>
      <Typography.Text type="success">{t(up ? 'metrics.excellentAtLeast' : 'metrics.excellentAt', { value: formatMetricValue(k, excellent, lang) })}</Typography.Text>
      <Typography.Text type="danger">{t(up ? 'metrics.thresholdAtLeast' : 'metrics.thresholdAt', { value: formatMetricValue(k, threshold, lang) })}</Typography.Text>
    </Flex>
  );
}

function RateCard({ metric, onOpen }: { metric: MetricFieldsFragment; onOpen?: () => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const label = t(`enums.MetricKey.${metric.key}`);
  return (
    <Card
      className="tg-metric-card"
      data-testid={`metric-${metric.key}`}
      title={label}
      size="small"
      hoverable={!!onOpen}
      extra={<MetricStatusTag status={metric.status} />}
    >
      <Space direction="vertical" size={0} style={{ width: '100%' }}>
        {onOpen ? (
          <Typography.Link onClick={onOpen} style={{ fontSize: 24 }} data-testid={`metric-open-${metric.key}`}>
            {formatMetricValue(metric.key, metric.rate, lang)}
          </Typography.Link>
        ) : (
          <Typography.Text style={{ fontSize: 24 }}>{formatMetricValue(metric.key, metric.rate, lang)}</Typography.Text>
        )}
        <Typography.Text type="secondary">{t('metrics.numerator', { numerator: metric.numerator, denominator: metric.denominator })}</Typography.Text>
        <Thresholds k={metric.key} excellent={metric.excellent} threshold={metric.threshold} lang={lang} />
        <Chart
          height={90}
          label={`${label}: ${t('metrics.trend')}`}
          option={{
            grid: { left: 4, right: 4, top: 8, bottom: 4 },
            tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatMetricValue(metric.key, v, lang) },
            xAxis: { type: 'category', show: false, data: metric.trend.map((p) => p.day) },
            yAxis: { type: 'value', show: false, max: (v: { max: number }) => Math.max(v.max, metric.threshold) * 1.1 },
            series: [
              {
                type: 'line',
                smooth: true,
                symbol: 'none',
                data: metric.trend.map((p) => p.rate),
                areaStyle: { opacity: 0.15 },
                lineStyle: { width: 2 },
                markLine: {
                  silent: true,
                  symbol: 'none',
                  label: { show: false },
                  data: [
                    { yAxis: metric.threshold, lineStyle: { color: '#ff4d4f', type: 'dashed' } },
                    { yAxis: metric.excellent, lineStyle: { color: '#52c41a', type: 'dashed' } },
                  ],
                },
              },
            ],
          }}
        />
      </Space>
    </Card>
  );
}
