import { Col, Row, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { StoreHealthFragment } from '../../../gql/graphql';
import { formatDateTime } from '../../lib/format';
import { MetricGrid, type RateKey } from './MetricGrid';
import { MetricOrdersDrawer } from './MetricOrders';
import { ScoreCard, WhatIfCard } from './ScoreCard';
import { ScoreHistory } from './ScoreHistory';

// One store's health, as its merchant and the platform see it: score, what-if, metrics with trends and
// drill-down, and the score's history.
export function StoreHealth({
  store,
  orderLink,
  caseLink,
}: {
  store: StoreHealthFragment;
  orderLink: (id: string) => string;
  caseLink: (id: string) => string;
}) {
  const { t, i18n } = useTranslation();
  const [open, setOpen] = useState<RateKey | null>(null);
  return (
    <>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={16}>
          <ScoreCard score={store.score} orders={store.metrics.ordersLast30Days} />
        </Col>
        <Col xs={24} xl={8}>
          <WhatIfCard score={store.score} />
        </Col>
      </Row>
      <Typography.Title level={4} style={{ marginTop: 24 }}>
        {t('metrics.metrics', { days: store.metrics.dissatisfactionRate.windowDays })}
        <Typography.Text type="secondary" style={{ fontSize: 13, marginLeft: 12, fontWeight: 'normal' }}>
          {t('metrics.asOfNote', { time: formatDateTime(store.metrics.asOf, i18n.language, store.timeZone) })}
        </Typography.Text>
      </Typography.Title>
      <MetricGrid metrics={store.metrics} onOpen={setOpen} />
      <div style={{ marginTop: 16 }}>
        <ScoreHistory history={store.scoreHistory} />
      </div>
      <MetricOrdersDrawer storeId={store.id} metric={open} timeZone={store.timeZone} onClose={() => setOpen(null)} orderLink={orderLink} caseLink={caseLink} />
    </>
  );
}
