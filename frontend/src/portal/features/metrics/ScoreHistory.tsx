import { Card } from 'antd';
import { useTranslation } from 'react-i18next';
import type { StoreHealthFragment } from '../../../gql/graphql';
import { Chart } from '../../lib/Chart';

export function ScoreHistory({ history }: { history: StoreHealthFragment['scoreHistory'] }) {
  const { t } = useTranslation();
  return (
    <Card title={t('metrics.history')}>
      <Chart
        label={t('metrics.history')}
        height={240}
        option={{
          grid: { left: 40, right: 16, top: 16, bottom: 28 },
          tooltip: { trigger: 'axis' },
          xAxis: { type: 'category', data: history.map((h) => h.day) },
          yAxis: { type: 'value', min: 0, max: 100 },
          series: [{ type: 'line', smooth: true, symbol: 'none', data: history.map((h) => Number(h.score.toFixed(1))), areaStyle: { opacity: 0.1 } }],
        }}
      />
    </Card>
  );
}
