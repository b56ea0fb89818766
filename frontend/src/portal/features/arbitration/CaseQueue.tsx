import { Button, Card, Col, Flex, Row, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import type { AdminQueueCaseFragment } from '../../../gql/graphql';
import { ApiError } from '../../lib/ApiError';
import { Countdown } from '../../lib/Countdown';
import { formatDateTime, formatMoney } from '../../lib/format';
import { useNow } from '../../lib/useNow';
import { CursorPager } from '../scoreboard/CursorPager';
import type { UrlList } from '../scoreboard/listState';
import type { CombinedError } from 'urql';
import type { HTMLAttributes } from 'react';
import '../scoreboard/admin.css';

// A platform queue of cases (arbitrations, complaints), in the API's order (soonest deadline first): a live
// countdown with overdue rows marked, the store, the case (its page is where an admin acts), its type and
// the money asked.

// Decimal strings summed exactly, in ten-thousandths (never through a float).
const SCALE = 4;
function toMinor(a: string): bigint {
  const neg = a.startsWith('-');
  const [i, f = ''] = a.replace(/^[-+]/, '').split('.');
  const v = BigInt((i || '0') + (f + '0'.repeat(SCALE)).slice(0, SCALE));
  return neg ? -v : v;
}
function fromMinor(v: bigint): string {
  const neg = v < 0n;
  const abs = (neg ? -v : v).toString().padStart(SCALE + 1, '0');
  return `${neg ? '-' : ''}${abs.slice(0, -SCALE)}.${abs.slice(-SCALE)}`;
}

export type QueueKind = 'arbitration' | 'complaint';

export function stageOf(c: AdminQueueCaseFragment, kind: QueueKind, now: number): { key: string; color: string } {
  if (kind === 'complaint') return { key: c.availableActions.includes('RESOLVE_COMPLAINT') ? 'toResolve' : 'review', color: 'orange' };
  if (c.availableActions.includes('DECIDE_APPEAL')) return { key: 'appealToDecide', color: 'red' };
  if (c.appealedAt && !c.appealOutcome) return { key: 'appealed', color: 'volcano' };
  if (c.ruling) return { key: 'ruled', color: 'blue' };
  if (c.deadline?.action === 'EVIDENCE_CLOSES' && Date.parse(c.deadline.at) > now) return { key: 'evidence', color: 'cyan' };
  return { key: 'toRule', color: 'red' };
}

export function CaseQueue({
  kind,
  list,
  cases,
  totalCount,
  hasNextPage,
  endCursor,
  fetching,
  error,
  onRetry,
}: {
  kind: QueueKind;
  list: UrlList;
  cases: AdminQueueCaseFragment[];
  // Undefined until the first page has arrived, so nobody reads "0" for "not loaded yet".
  totalCount?: number;
  hasNextPage: boolean;
  endCursor?: string | null;
  fetching: boolean;
  error?: CombinedError;
  onRetry: () => void;
}) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const lang = i18n.language;
  const now = useNow(10_000);
  const overdue = cases.filter((c) => c.deadline && Date.parse(c.deadline.at) < now).length;
  const actionable = cases.filter((c) => c.availableActions.some((a) => a === 'RULE' || a === 'DECIDE_APPEAL' || a === 'RESOLVE_COMPLAINT')).length;
  const money = cases.reduce<Record<string, bigint>>((m, c) => {
    m[c.requested.currencyCode] = (m[c.requested.currencyCode] ?? 0n) + toMinor(c.requested.amount);
    return m;
  }, {});

  const columns: ColumnsType<AdminQueueCaseFragment> = [
    {
      key: 'deadline',
      title: t('arbitration.q.deadline'),
      width: 220,
      render: (_, c) =>
        c.deadline ? (
          <Flex vertical gap={0} data-testid="queue-deadline">
            <Countdown at={c.deadline.at} />
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {formatDateTime(c.deadline.at, lang, c.store.timeZone)} · {t(`enums.CaseDeadlineAction.${c.deadline.action}`)}
            </Typography.Text>
          </Flex>
        ) : (
          <Typography.Text type="secondary">{t('arbitration.q.noDeadline')}</Typography.Text>
        ),
    },
    {
      key: 'case',
      title: t('arbitration.q.case'),
      width: 190,
      render: (_, c) => (
        <Flex vertical gap={0}>
          <Link to={`/cases/${encodeURIComponent(c.id)}`} className="tg-mono" data-testid="queue-case">
            {c.number}
          </Link>
          {c.order && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('arbitration.q.order')} <Link to={`/orders/${encodeURIComponent(c.order.id)}`} className="tg-inline-link">
                {c.order.number}
              </Link> · {c.order.buyer.displayName}
            </Typography.Text>
          )}
        </Flex>
      ),
    },
    {
      key: 'store',
      title: t('arbitration.q.store'),
      render: (_, c) => (
        <Link to={`/admin/stores/${encodeURIComponent(c.store.id)}`} data-testid="queue-store">
          {c.store.name}
        </Link>
      ),
    },
    {
      key: 'type',
      title: t('arbitration.q.type'),
      render: (_, c) => (
        <Flex vertical gap={2}>
          <span>
            <Tag>{t(`enums.AfterSalesCaseType.${c.type}`)}</Tag>
          </span>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t(`enums.AfterSalesReason.${c.reason}`)}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      key: 'stage',
      title: t('arbitration.q.stage'),
      width: 220,
      render: (_, c) => {
        const s = stageOf(c, kind, now);
        return (
          <Flex vertical gap={2} data-testid="queue-stage" data-stage={s.key}>
            <span>
              <Tag color={s.color}>{t(`arbitration.stage.${s.key}`)}</Tag>
            </span>
            {c.ruling && (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t(`arbitration.ruling.${c.ruling === 'FOR_BUYER' ? 'FOR_BUYER' : 'FOR_MERCHANT'}`)}
                {c.ruledAt && ` · ${formatDateTime(c.ruledAt, lang, c.store.timeZone)}`}
              </Typography.Text>
            )}
            {!c.ruling && c.escalatedAt && (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t('arbitration.q.escalated', { time: formatDateTime(c.escalatedAt, lang, c.store.timeZone) })}
              </Typography.Text>
            )}
          </Flex>
        );
      },
    },
    {
      key: 'requested',
      title: t('arbitration.q.requested'),
      width: 120,
      align: 'right',
      render: (_, c) => (
        <Typography.Text strong className="tg-num" data-testid="queue-requested">
          {formatMoney(c.requested, lang)}
        </Typography.Text>
      ),
    },
    {
      key: 'actions',
      title: t('common.actions'),
      width: 110,
      render: (_, c) => {
        const act = c.availableActions.find((a) => a === 'RULE' || a === 'DECIDE_APPEAL' || a === 'RESOLVE_COMPLAINT');
        return (
          <Button size="small" type={act ? 'primary' : 'default'} onClick={() => navigate(`/cases/${encodeURIComponent(c.id)}`)}>
            {act ? t(`enums.AfterSalesCaseAction.${act}`) : t('arbitration.q.open')}
          </Button>
        );
      },
    },
  ];

  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      <Row gutter={[12, 12]}>
        <Col xs={12} md={6}>
          <Card size="small" className="tg-stat-card">
            <Typography.Text type="secondary">{t(`arbitration.q.stat.${kind}`)}</Typography.Text>
            {totalCount === undefined ? (
              <div className="tg-stat-value">–</div>
            ) : (
              <div className="tg-stat-value" data-testid="queue-total">
                {totalCount}
              </div>
            )}
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small" className="tg-stat-card">
            <Tooltip title={t('arbitration.q.thisPage')}>
              <Typography.Text type="secondary">{t('arbitration.q.stat.overdue')}</Typography.Text>
            </Tooltip>
            <div className="tg-stat-value" style={{ color: overdue ? '#cf1322' : undefined }}>
              {overdue}
            </div>
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small" className="tg-stat-card">
            <Tooltip title={t('arbitration.q.thisPage')}>
              <Typography.Text type="secondary">{t('arbitration.q.stat.actionable')}</Typography.Text>
            </Tooltip>
            <div className="tg-stat-value">{actionable}</div>
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small" className="tg-stat-card">
            <Tooltip title={t('arbitration.q.thisPage')}>
              <Typography.Text type="secondary">{t('arbitration.q.stat.money')}</Typography.Text>
            </Tooltip>
            <div className="tg-stat-value" style={{ fontSize: Object.keys(money).length > 1 ? 16 : 24 }}>
              {Object.keys(money).length
                ? Object.entries(money)
                    .map(([cur, amt]) => formatMoney({ amount: fromMinor(amt), currencyCode: cur }, lang))
                    .join(' · ')
                : '—'}
            </div>
          </Card>
        </Col>
      </Row>
      <ApiError error={error} onRetry={onRetry} />
      <Card size="small" className="tg-table-card">
        <Table<AdminQueueCaseFragment>
          data-testid={`${kind}-queue`}
          rowKey="id"
          size="middle"
          loading={fetching}
          columns={columns}
          dataSource={cases}
          pagination={false}
          scroll={{ x: 1000 }}
          rowClassName={(c) => (c.deadline && Date.parse(c.deadline.at) < now ? 'tg-row-overdue' : '')}
          onRow={(c) => ({ 'data-overdue': c.deadline && Date.parse(c.deadline.at) < now ? 'true' : 'false' }) as HTMLAttributes<HTMLElement>}
          locale={{ emptyText: t(`arbitration.q.empty.${kind}`) }}
        />
        <CursorPager list={list} totalCount={totalCount ?? 0} hasNextPage={hasNextPage} endCursor={endCursor} testId={`${kind}-pager`} />
      </Card>
    </Space>
  );
}
