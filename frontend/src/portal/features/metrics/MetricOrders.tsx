import { Drawer, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useQuery } from 'urql';
import { MetricOrdersDocument } from '../../../gql/graphql';
import { ApiError } from '../../lib/ApiError';
import { formatDateTime, formatMoney } from '../../lib/format';
import type { RateKey } from './MetricGrid';

const PAGE = 20;

// The drill-down: the orders a metric counts, each with the signal(s) that put it there, linked to its
// order and case. caseLink builds the case's address for the viewer's role.
export function MetricOrdersDrawer({
  storeId,
  metric,
  timeZone,
  onClose,
  orderLink,
  caseLink,
}: {
  storeId: string;
  metric: RateKey | null;
  timeZone: string;
  onClose: () => void;
  orderLink: (id: string) => string;
  caseLink: (id: string) => string;
}) {
  const { t, i18n } = useTranslation();
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState(1);
  const [{ data, error, fetching }] = useQuery({
    query: MetricOrdersDocument,
    variables: { storeId, first: PAGE, after: cursors[page - 1], ...(metric ? { [metric]: true } : {}) },
    pause: !metric,
  });
  const store = data?.node && 'metrics' in data.node ? data.node : null;
  const conn = metric && store ? store.metrics[metric]?.orders : undefined;

  return (
    <Drawer
      open={!!metric}
      width={760}
      onClose={() => {
        setCursors([null]);
        setPage(1);
        onClose();
      }}
      title={metric ? t('metrics.ordersCounted', { metric: t(`enums.MetricKey.${metric}`) }) : ''}
    >
      <ApiError error={error} />
      <Table
        data-testid="metric-orders"
        loading={fetching}
        rowKey={(r) => r.order?.id ?? r.paidAt}
        dataSource={conn?.nodes ?? []}
        locale={{ emptyText: t('metrics.noOrders') }}
        pagination={{
          current: page,
          pageSize: PAGE,
          total: conn?.totalCount ?? 0,
          showSizeChanger: false,
          onChange: (p) => {
            if (p > page && conn?.pageInfo.endCursor) setCursors((c) => [...c.slice(0, p - 1), conn.pageInfo.endCursor!]);
            setPage(p);
          },
        }}
        columns={[
          {
            title: t('metrics.order'),
            render: (_, r) => (r.order ? <Link to={orderLink(r.order.id)}>{r.order.number}</Link> : '—'),
          },
          { title: t('metrics.paidAt'), render: (_, r) => formatDateTime(r.paidAt, i18n.language, timeZone) },
          { title: t('common.total'), render: (_, r) => formatMoney(r.order?.total, i18n.language) },
          {
            title: t('metrics.signals'),
            render: (_, r) => (
              <Space direction="vertical" size={2}>
                {r.signals.map((s, n) => (
                  <Space key={n} size={4}>
                    <Tag>{t(`metrics.signal.${s.kind}`)}</Tag>
                    {s.case && <Link to={caseLink(s.case.id)}>{s.case.number}</Link>}
                    <span style={{ color: 'rgba(0,0,0,.45)', fontSize: 12 }}>{formatDateTime(s.at, i18n.language, timeZone)}</span>
                  </Space>
                ))}
              </Space>
            ),
          },
        ]}
      />
    </Drawer>
  );
}
