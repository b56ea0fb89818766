import { Card, Descriptions, Flex, List, Progress, Statistic, Table, Typography } from 'antd';
import { RiseOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import type { StoreHealthFragment } from '../../../gql/graphql';
import { LevelTag, MetricStatusTag } from '../../lib/Labels';
import { formatMetricValue } from './metricValue';

type Score = NonNullable<StoreHealthFragment['score']>;

// The score with its explanation: level, policy version, each sub-score with its input and weight, the
// violation deduction, and what would raise it most.
export function ScoreCard({ score, orders }: { score: Score | null; orders: number }) {
  const { t, i18n } = useTranslation();
  if (!score) return null;
  return (
    <Card title={t('metrics.score')} extra={<Typography.Text type="secondary">{t('metrics.policy', { version: score.policyVersion })}</Typography.Text>}>
      <Flex gap={32} align="center" wrap>
        <Progress
          type="dashboard"
          percent={score.score}
          aria-label={t('metrics.score')}
          format={() => <span data-testid="score-value">{score.level === 'UNRATED' ? '—' : score.score.toFixed(1)}</span>}
          strokeColor={score.score >= 80 ? '#52c41a' : score.score >= 60 ? '#faad14' : '#ff4d4f'}
        />
        <div>
          <Statistic title={t('metrics.level')} valueRender={() => <span data-testid="score-level"><LevelTag level={score.level} /></span>} />
          {score.level === 'UNRATED' && <Typography.Paragraph type="secondary">{t('metrics.unrated', { orders })}</Typography.Paragraph>}
        </div>
        <Descriptions column={1} size="small" style={{ flex: 1, minWidth: 260 }}>
          <Descriptions.Item label={t('metrics.weightedAverage')}>{score.weightedAverage.toFixed(2)}</Descriptions.Item>
          <Descriptions.Item label={t('metrics.deduction')}>
            {t('metrics.deductionDetail', {
              general: score.deduction.generalPoints,
              serious: score.deduction.seriousPoints,
              points: score.deduction.points.toFixed(1),
              cap: score.deduction.cap,
            })}
          </Descriptions.Item>
        </Descriptions>
      </Flex>
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        {t('metrics.subScores')}
      </Typography.Title>
      <Table
        size="small"
        pagination={false}
        rowKey="metric"
        dataSource={score.subScores}
        columns={[
          { title: t('metrics.metric'), dataIndex: 'metric', render: (m: string) => t(`enums.MetricKey.${m}`) },
          { title: t('metrics.value'), dataIndex: 'value', render: (v: number, r) => formatMetricValue(r.metric, v, i18n.language) },
          { title: t('metrics.weight'), dataIndex: 'weight', render: (w: number) => `${w}%` },
          { title: t('metrics.subScore'), dataIndex: 'subScore', render: (s: number, r) => (r.counted ? s.toFixed(1) : t('metrics.notCounted')) },
          { title: t('common.status'), dataIndex: 'status', render: (s: string) => <MetricStatusTag status={s} /> },
        ]}
      />
    </Card>
  );
}

export function WhatIfCard({ score }: { score: Score | null }) {
  const { t } = useTranslation();
  if (!score) return null;
  const items = score.whatIf.filter((w) => w.points > 0);
  return (
    <Card title={t('metrics.whatIf')}>
      <List
        data-testid="what-if"
        dataSource={items}
        locale={{ emptyText: t('metrics.whatIfNone') }}
        renderItem={(w) => (
          <List.Item>
            <RiseOutlined style={{ color: '#52c41a', marginRight: 8 }} />
            {t('metrics.whatIfItem', { points: w.points.toFixed(1), metric: t(`enums.MetricKey.${w.metric}`) })}
          </List.Item>
        )}
      />
    </Card>
  );
}
