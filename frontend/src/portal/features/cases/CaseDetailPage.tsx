import { PageContainer } from '@ant-design/pro-components';
import { Alert, Card, Col, Descriptions, Row, Space, Steps, Table, Tag, Typography } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { useQuery } from 'urql';
import { CasesDetailDocument, type AfterSalesCaseStatus, type AfterSalesCaseType, type CasesDetailFragment } from '../../../gql/graphql';
import { useSession } from '../../auth/useSession';
import { ApiError } from '../../lib/ApiError';
import { formatDateTime, formatMoney } from '../../lib/format';
import NotFound from '../../lib/NotFound';
import { PageLoading } from '../../lib/PageLoading';
import { CaseStatusTag, DeadlineBar, Mono, OrderStatusTag } from '../orders/shared';
import { History, useActionLabel } from '../orders/Timeline';
import { CaseActions } from './CaseActions';
import { EvidencePanel } from './Evidence';
import { Thread } from './Thread';
import '../orders/orders.css';

type Refund = CasesDetailFragment['refunds'][number];

// One after-sales case, the same page for the store, the platform and the buyer: where it stands and what
// happens at its deadline, the request and every outcome, the lines, evidence, the thread, refunds and its
// history. The buttons are the caller's availableActions.
export default function CaseDetailPage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const session = useSession()!;
  const navigate = useNavigate();
  const location = useLocation();
  // Refetched by the client's cache after any mutation returning a case, a file or a message (even while
  // the case has none of them yet).
  const context = useMemo(() => ({ additionalTypenames: ['AfterSalesCase', 'Evidence', 'CaseMessage'] }), []);
  const [{ data, error, fetching }, refetch] = useQuery({ query: CasesDetailDocument, variables: { id }, context });
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const c = data?.afterSalesCase;

  if (!data && fetching) return <PageLoading />;
  if (error && !data) return <ApiError error={error} onRetry={reload} />;
  if (!c) return <NotFound />;

  const lang = i18n.language;
  const tz = c.store.timeZone;
  const back = session.role === 'BUYER' ? '/buyer/cases' : '/cases';

  return (
    <PageContainer
      title={t('cases.caseTitle', { number: c.number })}
      tags={
        <Space size={4}>
          <CaseStatusTag status={c.status} />
          <Tag>{t(`enums.AfterSalesCaseType.${c.type}`)}</Tag>
        </Space>
      }
      onBack={() => (location.key !== 'default' ? navigate(-1) : navigate(back))}
      extra={<CaseActions c={c} onChanged={reload} />}
      content={
        <Descriptions size="small" column={{ xs: 1, md: 2, xl: 4 }} className="tgo-header-meta">
          <Descriptions.Item label={t('cases.order')}>
            {c.order ? (
              <Link to={`/orders/${encodeURIComponent(c.order.id)}`} className="tg-mono" data-testid="case-order-link">
                {c.order.number}
              </Link>
            ) : (
              '—'
            )}
          </Descriptions.Item>
          {c.order && session.role !== 'BUYER' && <Descriptions.Item label={t('cases.buyer')}>{c.order.buyer.displayName}</Descriptions.Item>}
          {session.role !== 'MERCHANT' && <Descriptions.Item label={t('cases.store')}>{c.store.name}</Descriptions.Item>}
          <Descriptions.Item label={t('common.created')}>{formatDateTime(c.createdAt, lang, tz)}</Descriptions.Item>
          {c.closedAt && <Descriptions.Item label={t('cases.closedAt')}>{formatDateTime(c.closedAt, lang, tz)}</Descriptions.Item>}
        </Descriptions>
      }
    >
      <ApiError error={error} onRetry={reload} />
      <Card variant="borderless" className="tgo-card">
        <CaseSteps c={c} />
      </Card>
      {c.deadline && (
        <DeadlineBar
          at={c.deadline.at}
          testId="case-deadline"
          title={t('cases.deadlineTitle', { time: formatDateTime(c.deadline.at, lang, tz) })}
          text={t(`cases.deadlineText.${c.deadline.action}`)}
        />
      )}
      {c.status === 'REFUND_FAILED' && c.refunds.at(-1)?.lastError && (
        <Alert className="tgo-alert" type="error" showIcon message={t('cases.refundFailed')} description={c.refunds.at(-1)!.lastError} />
      )}
      <Row gutter={16}>
        <Col xs={24} xl={16}>
          <Card variant="borderless" className="tgo-card" title={t('cases.summary')}>
            <Summary c={c} />
          </Card>
          <Card variant="borderless" className="tgo-card" title={t('cases.items')}>
            <Table
              size="small"
              rowKey={(r) => r.orderItem?.id ?? String(r.quantity)}
              data-testid="case-items"
              dataSource={c.items}
              pagination={false}
              locale={{ emptyText: t(c.type === 'ORDER_CANCEL' ? 'cases.itemsWholeOrder' : 'cases.noItems') }}
              columns={[
                { title: t('cases.product'), key: 'title', render: (_, r) => <Typography.Text strong>{r.orderItem?.title ?? '—'}</Typography.Text> },
                { title: t('cases.unitPrice'), key: 'price', align: 'right', render: (_, r) => formatMoney(r.orderItem?.unitPrice, lang) },
                { title: t('cases.quantityOrdered'), key: 'ordered', align: 'right', render: (_, r) => r.orderItem?.quantity ?? '—' },
                { title: t('cases.quantity'), key: 'qty', align: 'right', render: (_, r) => <Typography.Text strong>× {r.quantity}</Typography.Text> },
              ]}
            />
          </Card>
          <Card variant="borderless" className="tgo-card" title={t('cases.evidence')} extra={<Typography.Text type="secondary">{t('cases.evidenceCount', { count: c.evidence.length })}</Typography.Text>}>
            <EvidencePanel c={c} />
          </Card>
          <Card variant="borderless" className="tgo-card" title={t('cases.thread')}>
            <Thread c={c} />
          </Card>
          <Card variant="borderless" className="tgo-card" title={t('cases.refunds')}>
            <Table<Refund>
              size="small"
              rowKey={(r) => r.createdAt + r.route + r.status}
              data-testid="case-refunds"
              dataSource={c.refunds}
              pagination={false}
              locale={{ emptyText: t('cases.noRefunds') }}
              columns={[
                {
                  title: t('common.amount'),
                  key: 'amount',
                  align: 'right',
                  render: (_, r) => (
                    <Typography.Text strong className="tgo-nowrap">
                      {formatMoney(r.amount, lang)}
                    </Typography.Text>
                  ),
                },
                { title: t('cases.refundRoute'), key: 'route', render: (_, r) => t(`cases.route.${r.route}`, { defaultValue: r.route }) },
                {
                  title: t('common.status'),
                  key: 'status',
                  render: (_, r) => (
                    <Tag color={r.status === 'SUCCEEDED' ? 'green' : r.status === 'FAILED' ? 'red' : 'processing'} data-testid="refund-status" data-status={r.status}>
                      {t(`cases.refundStatus.${r.status}`, { defaultValue: r.status })}
                    </Tag>
                  ),
                },
                { title: t('cases.attempts'), key: 'attempts', align: 'right', render: (_, r) => r.attempts },
                ...(c.refunds.some((r) => r.bankAccountMasked)
                  ? [{ title: t('cases.bankAccount'), key: 'bank', render: (_: unknown, r: Refund) => r.bankAccountMasked ?? '—' }]
                  : []),
                ...(c.refunds.some((r) => r.lastError)
                  ? [
                      {
                        title: t('cases.lastError'),
                        key: 'err',
                        render: (_: unknown, r: Refund) => (r.lastError ? <Typography.Text type="danger">{r.lastError}</Typography.Text> : '—'),
                      },
                    ]
                  : []),
                { title: t('common.time'), key: 'at', render: (_, r) => <span className="tgo-nowrap">{formatDateTime(r.createdAt, lang, tz)}</span> },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} xl={8}>
          {c.order && (
            <Card variant="borderless" className="tgo-card" title={t('cases.orderCard')}>
              <Descriptions column={1} size="small" colon={false} labelStyle={{ width: 96 }}>
                <Descriptions.Item label={t('cases.order')}>
                  <Link to={`/orders/${encodeURIComponent(c.order.id)}`} className="tg-mono">
                    {c.order.number}
                  </Link>
                </Descriptions.Item>
                <Descriptions.Item label={t('common.status')}>
                  <OrderStatusTag status={c.order.status} />
                </Descriptions.Item>
                <Descriptions.Item label={t('common.total')}>{formatMoney(c.order.total, lang)}</Descriptions.Item>
                <Descriptions.Item label={t('cases.refundable')}>{formatMoney(c.order.refundable, lang)}</Descriptions.Item>
                <Descriptions.Item label={t('cases.paymentMethod')}>{c.order.paymentMethod ? t(`orders.payment.${c.order.paymentMethod}`) : '—'}</Descriptions.Item>
              </Descriptions>
            </Card>
          )}
          <Card variant="borderless" className="tgo-card" title={t('cases.timeline')}>
            <CaseHistory c={c} />
          </Card>
        </Col>
      </Row>
    </PageContainer>
  );
}

function CaseHistory({ c }: { c: CasesDetailFragment }) {
  const label = useActionLabel('cases.event', 'enums.AfterSalesCaseAction');
  return <History events={c.timeline} label={label} statusType="AfterSalesCaseStatus" timeZone={c.store.timeZone} testId="case-timeline" />;
}

function Summary({ c }: { c: CasesDetailFragment }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const tz = c.store.timeZone;
  const at = (iso: string | null | undefined) => formatDateTime(iso, lang, tz);
  const tracking = (carrier: string | null | undefined, number: string | null | undefined) =>
    carrier || number ? (
      <Space size={6} wrap>
        <span>{carrier}</span>
        {number && <Mono>{number}</Mono>}
      </Space>
    ) : (
      '—'
    );
  return (
    <Descriptions size="small" column={{ xs: 1, sm: 1, md: 2, lg: 2, xl: 2, xxl: 2 }} colon={false} data-testid="case-summary" labelStyle={{ width: 104, color: 'rgba(0,0,0,.6)' }}>
      <Descriptions.Item label={t('cases.type')}>{t(`enums.AfterSalesCaseType.${c.type}`)}</Descriptions.Item>
      <Descriptions.Item label={t('common.status')}>{t(`enums.AfterSalesCaseStatus.${c.status}`)}</Descriptions.Item>
      <Descriptions.Item label={t('common.reason')}>
        <Space size={6} wrap>
          <span>{t(`enums.AfterSalesReason.${c.reason}`)}</span>
          <Tag bordered={false}>{t(`cases.category.${c.reasonCategory}`)}</Tag>
        </Space>
      </Descriptions.Item>
      <Descriptions.Item label={t('cases.revisions')}>{t('cases.revisionsValue', { count: c.revisions })}</Descriptions.Item>
      <Descriptions.Item label={t('cases.description')} span={2}>
        {c.description ? <span style={{ whiteSpace: 'pre-wrap' }}>{c.description}</span> : <Typography.Text type="secondary">{t('cases.noDescription')}</Typography.Text>}
      </Descriptions.Item>
      <Descriptions.Item label={t('cases.requested')}>
        <Typography.Text strong data-testid="case-requested" className="tgo-nowrap">
          {formatMoney(c.requested, lang)}
        </Typography.Text>
      </Descriptions.Item>
      <Descriptions.Item label={t('cases.approved')}>
        <span data-testid="case-approved" className="tgo-nowrap">{formatMoney(c.approved, lang)}</span>
      </Descriptions.Item>
      <Descriptions.Item label={t('cases.refunded')}>
        <Typography.Text strong type={Number(c.refunded.amount) > 0 ? 'success' : undefined} data-testid="case-refunded" className="tgo-nowrap">
          {formatMoney(c.refunded, lang)}
        </Typography.Text>
      </Descriptions.Item>
      {c.refundBankAccount && <Descriptions.Item label={t('cases.bankAccount')}>{c.refundBankAccount}</Descriptions.Item>}
      {c.rejectionReason && (
        <Descriptions.Item label={t('cases.rejectionReason')} span={2}>
          <Typography.Text type="danger" style={{ whiteSpace: 'pre-wrap' }}>
            {c.rejectionReason}
          </Typography.Text>
        </Descriptions.Item>
      )}
      {c.escalatedAt && <Descriptions.Item label={t('cases.escalatedAt')}>{at(c.escalatedAt)}</Descriptions.Item>}
      {c.ruling && (
        <Descriptions.Item label={t('cases.rulingLabel')}>
          <Tag color={c.ruling === 'FOR_BUYER' ? 'blue' : 'orange'}>{t(`cases.ruling.${c.ruling}`, { defaultValue: c.ruling })}</Tag>
          {c.ruledAt && <Typography.Text type="secondary" className="tgo-small">{at(c.ruledAt)}</Typography.Text>}
        </Descriptions.Item>
      )}
      {c.liability && <Descriptions.Item label={t('cases.liabilityLabel')}>{t(`cases.liability.${c.liability}`, { defaultValue: c.liability })}</Descriptions.Item>}
      {c.appealedAt && <Descriptions.Item label={t('cases.appealedAt')}>{at(c.appealedAt)}</Descriptions.Item>}
      {c.appealOutcome && (
        <Descriptions.Item label={t('cases.appealOutcomeLabel')}>{t(`cases.appealOutcome.${c.appealOutcome}`, { defaultValue: c.appealOutcome })}</Descriptions.Item>
      )}
      {c.complaintOutcome && (
        <Descriptions.Item label={t('cases.complaintOutcomeLabel')}>
          {t(`cases.complaintOutcome.${c.complaintOutcome}`, { defaultValue: c.complaintOutcome })}
        </Descriptions.Item>
      )}
      {(c.returnCarrier || c.returnShippedAt) && (
        <>
          <Descriptions.Item label={t('cases.returnTracking')}>
            <span data-testid="case-return-tracking">{tracking(c.returnCarrier, c.returnTrackingNumber)}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('cases.returnProgress')}>
            <Space direction="vertical" size={0} className="tgo-small">
              <span>{t('cases.returnShippedAt', { time: at(c.returnShippedAt) })}</span>
              <span>{t('cases.returnDeliveredAt', { time: at(c.returnDeliveredAt) })}</span>
              <span>{t('cases.returnReceivedAt', { time: at(c.returnReceivedAt) })}</span>
            </Space>
          </Descriptions.Item>
        </>
      )}
      {(c.reshipCarrier || c.reshippedAt) && (
        <>
          <Descriptions.Item label={t('cases.reshipTracking')}>{tracking(c.reshipCarrier, c.reshipTrackingNumber)}</Descriptions.Item>
          <Descriptions.Item label={t('cases.reshippedAt')}>{at(c.reshippedAt)}</Descriptions.Item>
        </>
      )}
    </Descriptions>
  );
}

// The path of each type of case; a case off it (rejected, in arbitration, withdrawn…) shows where it left.
const FLOWS: Record<AfterSalesCaseType, AfterSalesCaseStatus[]> = {
  RETURN_REFUND: ['REQUESTED', 'AWAITING_RETURN', 'RETURN_SHIPPED', 'REFUNDING', 'REFUNDED'],
  EXCHANGE: ['REQUESTED', 'AWAITING_RETURN', 'RETURN_SHIPPED', 'AWAITING_RESHIP', 'RESHIPPED', 'COMPLETED'],
  WARRANTY_REPAIR: ['REQUESTED', 'AWAITING_RETURN', 'RETURN_SHIPPED', 'AWAITING_RESHIP', 'RESHIPPED', 'COMPLETED'],
  REFUND_ONLY: ['REQUESTED', 'REFUNDING', 'REFUNDED'],
  ORDER_CANCEL: ['REQUESTED', 'REFUNDED'],
  COMPLAINT: ['REQUESTED', 'COMPLETED'],
};
const ERROR_STATES = new Set<AfterSalesCaseStatus>(['REJECTED', 'REFUND_FAILED', 'WITHDRAWN', 'CLOSED', 'CLOSED_FOR_MERCHANT']);

function CaseSteps({ c }: { c: CasesDetailFragment }) {
  const { t, i18n } = useTranslation();
  const flow = FLOWS[c.type];
  const when = new Map<string, string>();
  for (const e of c.timeline) if (e.toStatus && !when.has(e.toStatus)) when.set(e.toStatus, e.at);
  when.set('REQUESTED', c.createdAt);
  const label = (s: AfterSalesCaseStatus) => (c.type === 'COMPLAINT' && s === 'COMPLETED' ? t('cases.stepResolved') : t(`enums.AfterSalesCaseStatus.${s}`));
  const step = (s: AfterSalesCaseStatus) => ({
    title: s === 'REQUESTED' ? t('cases.stepRequested') : label(s),
    description: when.has(s) ? formatDateTime(when.get(s), i18n.language, c.store.timeZone) : undefined,
  });
  const i = flow.indexOf(c.status);
  if (i >= 0) {
    const done = i === flow.length - 1;
    return <Steps className="tgo-steps" size="small" labelPlacement="vertical" current={i} status={done ? 'finish' : 'process'} items={flow.map(step)} />;
  }
  // Off the path: the steps reached, then where it is now.
  let reached = 0;
  flow.forEach((s, n) => {
    if (when.has(s)) reached = n;
  });
  const items = [...flow.slice(0, reached + 1).map(step), step(c.status)];
  if (!ERROR_STATES.has(c.status) && c.status !== 'COMPLETED') items.push(...flow.slice(reached + 1).filter((s) => s !== c.status).slice(-1).map(step));
  return <Steps className="tgo-steps" size="small" labelPlacement="vertical" current={reached + 1} status={ERROR_STATES.has(c.status) ? 'error' : 'process'} items={items} />;
}

