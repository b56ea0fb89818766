import { PageContainer } from '@ant-design/pro-components';
import { Alert, App, Badge, Button, Card, Col, Descriptions, Empty, Form, Input, Modal, Row, Select, Space, Switch, Table, Tag, Tooltip, Typography } from 'antd';
import { AuditOutlined, ReloadOutlined, SafetyCertificateOutlined, WarningOutlined } from '@ant-design/icons';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useClient, useMutation, useQuery } from 'urql';
import {
  ViolationsAppealDocument,
  ViolationsCursorDocument,
  ViolationsListDocument,
  ViolationsOverviewDocument,
  type ViolationFilter,
  type ViolationsItemFragment,
  type ViolationsOverviewQuery,
  type ViolationStatus,
  type ViolationTrack,
} from '../../../gql/graphql';
import { useSession } from '../../auth/useSession';
import { ApiError, fieldErrors, type UserError } from '../../lib/ApiError';
import { Countdown } from '../../lib/Countdown';
import { formatDateTime } from '../../lib/format';
import { PageLoading } from '../../lib/PageLoading';
import { useNow } from '../../lib/useNow';
import { pageParams, PAGE_SIZES, useCursorPage, useUrlState } from '../../lib/urlList';
import '../ratings/ratings.css';

const STATUSES: ViolationStatus[] = ['ACTIVE', 'APPEALED', 'UPHELD', 'REVOKED'];
const TRACKS: ViolationTrack[] = ['GENERAL', 'SERIOUS'];
const statusColor: Record<string, string> = { ACTIVE: 'red', APPEALED: 'gold', UPHELD: 'volcano', REVOKED: 'default' };
const APPEAL_MAX = 2000;

type Penalty = NonNullable<NonNullable<ViolationsOverviewQuery['viewer']>['store']>['penalties'][number];

// The store's violation record: active points per track, the penalties they brought (in force, and past
// ones on request), and every violation with its evidence and the owner's appeal within 7 days of issue.
export default function ViolationsPage() {
  const { t, i18n } = useTranslation();
  const session = useSession()!;
  const lang = i18n.language;
  const tz = session.store?.timeZone;
  const { params, update, updateList, clear } = useUrlState();
  const now = useNow(30_000);

  const statusParam = params.get('status') ?? '';
  const trackParam = params.get('track') ?? '';
  const codeParam = params.get('code') ?? '';
  const status = useMemo(() => oneOf(statusParam, STATUSES), [statusParam]);
  const track = useMemo(() => oneOf(trackParam, TRACKS), [trackParam]);
  const code = useMemo(() => codeParam.split(',').filter((c) => /^[A-Z_]{2,64}$/.test(c)), [codeParam]);
  const countingOnly = params.get('counting') === '1';
  const pastPenalties = params.get('past') === '1';
  const { page, size } = pageParams(params, 10);
  // "counting now" is fixed when the filter is chosen, so the list does not change under the reader.
  const countingAt = useMemo(() => (countingOnly ? new Date().toISOString() : null), [countingOnly]);
  const filter = useMemo<ViolationFilter>(
    () => ({ status: status.length ? status : null, track: track.length ? track : null, code: code.length ? code : null, countingAt }),
    [status, track, code, countingAt],
  );
  const filtered = status.length > 0 || track.length > 0 || code.length > 0 || countingOnly;

  const [overview, refetchOverview] = useQuery({ query: ViolationsOverviewDocument });
  const client = useClient();
  const endCursor = useCallback(
    async (after: string | null, first: number) => {
      const r = await client.query(ViolationsCursorDocument, { first, after, filter }, { requestPolicy: 'network-only' }).toPromise();
      return r.data?.viewer?.store?.violations.pageInfo ?? null;
    },
    [client, filter],
  );
  const cursor = useCursorPage('violations:' + JSON.stringify({ ...filter, countingAt: !!countingAt }), page, size, endCursor);
  const [listRes, refetchList] = useQuery({ query: ViolationsListDocument, variables: { first: size, after: cursor.after, filter }, pause: !cursor.ready });
  const { remember } = cursor;
  useEffect(() => remember(listRes.data?.viewer?.store?.violations.pageInfo.endCursor), [listRes.data, remember]);
  const [appealing, setAppealing] = useState<ViolationsItemFragment | null>(null);

  const reload = () => {
    refetchOverview({ requestPolicy: 'network-only' });
    refetchList({ requestPolicy: 'network-only' });
  };

  if (!overview.data && overview.fetching) return <PageLoading />;
  const store = overview.data?.viewer?.store;
  const isOwner = overview.data?.viewer?.staffRole === 'OWNER';
  const codes = new Map((overview.data?.violationCodes ?? []).map((c) => [c.code, c]));
  const penalties = store?.penalties ?? [];
  const inForce = penalties.filter((p) => isInForce(p, now));
  const shownPenalties = pastPenalties ? penalties : inForce;
  const violations = listRes.data?.viewer?.store?.violations;

  return (
    <PageContainer title={t('violations.title')} subTitle={session.store?.name}>
      <ApiError error={overview.error} onRetry={reload} />
      {store && (
        <>
          <Row gutter={[16, 16]} className="tgs-card tgs-points-row">
            {TRACKS.map((tr) => {
              const points = tr === 'GENERAL' ? store.activePoints.general : store.activePoints.serious;
              const acting = inForce.filter((p) => p.track === tr);
              return (
                <Col xs={24} md={12} key={tr}>
                  <Card variant="borderless" data-testid={`points-${tr}`} data-points={points}>
                    <Space align="start" size={16} style={{ width: '100%', justifyContent: 'space-between' }}>
                      <div>
                        <Typography.Text type="secondary">{t('violations.pointsTitle', { track: t(`enums.ViolationTrack.${tr}`) })}</Typography.Text>
                        <div className={`tgs-points-value ${points === 0 ? 'tgs-points-zero' : tr === 'GENERAL' ? 'tgs-points-general' : 'tgs-points-serious'}`}>
                          <span data-testid={`points-${tr}-value`}>{points}</span>
                          <Typography.Text type="secondary" style={{ fontSize: 14, fontWeight: 400, marginLeft: 6 }}>
                            {t('violations.pointsUnit', { count: points })}
                          </Typography.Text>
                        </div>
                        <Typography.Text type="secondary" className="tgs-muted">
                          {t('violations.asOf', { time: formatDateTime(store.activePoints.asOf, lang, tz) })}
                        </Typography.Text>
                      </div>
                      {points === 0 ? (
                        <SafetyCertificateOutlined style={{ fontSize: 36, color: '#237804' }} aria-hidden />
                      ) : (
                        <WarningOutlined style={{ fontSize: 36, color: tr === 'GENERAL' ? '#ad4e00' : '#cf1322' }} aria-hidden />
                      )}
                    </Space>
                    <div style={{ marginTop: 12 }}>
                      {acting.length === 0 ? (
                        <Typography.Text type="secondary">{t('violations.noPenaltyOnTrack')}</Typography.Text>
                      ) : (
                        acting.map((p) => (
                          <Alert
                            key={p.id}
                            type="error"
                            showIcon
                            style={{ marginBottom: 8 }}
                            message={t('violations.thresholdReached', { threshold: p.threshold, kind: t(`enums.PenaltyKind.${p.kind}`) })}
                            description={p.endsAt ? t('violations.until', { time: formatDateTime(p.endsAt, lang, tz) }) : t('violations.untilReview')}
                          />
                        ))
                      )}
                    </div>
                  </Card>
                </Col>
              );
            })}
          </Row>
          <Typography.Paragraph type="secondary" className="tgs-muted" style={{ margin: '-4px 0 16px' }}>
            {t('violations.pointsHelp')}
          </Typography.Paragraph>

          <Card
            className="tgs-card"
            variant="borderless"
            title={
              <Space>
                <span>{t('violations.penalties')}</span>
                <Badge count={inForce.length} showZero color={inForce.length ? '#cf1322' : '#bfbfbf'} />
              </Space>
            }
            extra={
              <Space>
                <label htmlFor="violations-past">{t('violations.showPast')}</label>
                <Switch id="violations-past" size="small" checked={pastPenalties} onChange={(v) => update({ past: v ? '1' : null }, true)} />
              </Space>
            }
          >
            <Table<Penalty>
              className="tgs-table"
              data-testid="penalties"
              rowKey="id"
              size="middle"
              pagination={false}
              dataSource={shownPenalties}
              locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={pastPenalties ? t('violations.noPenaltiesEver') : t('violations.noPenalties')} /> }}
              scroll={{ x: 960 }}
              onRow={(p) => ({ 'data-testid': 'penalty', 'data-penalty-id': p.id }) as React.HTMLAttributes<HTMLElement>}
              columns={[
                {
                  title: t('violations.penalty'),
                  key: 'kind',
                  render: (_, p) => (
                    <Space direction="vertical" size={2}>
                      <Space size={6}>
                        <Typography.Text strong data-testid="penalty-kind">{t(`enums.PenaltyKind.${p.kind}`)}</Typography.Text>
                        {p.closureReview && <Tag color="red">{t('violations.closureReview')}</Tag>}
                      </Space>
                      <Typography.Text type="secondary" className="tgs-muted">
                        {p.reason}
                      </Typography.Text>
                    </Space>
                  ),
                },
                { title: t('violations.track'), key: 'track', width: 110, render: (_, p) => <Tag color={p.track === 'SERIOUS' ? 'red' : 'orange'}>{t(`enums.ViolationTrack.${p.track}`)}</Tag> },
                { title: t('violations.threshold'), key: 'threshold', width: 130, render: (_, p) => t('violations.thresholdPoints', { threshold: p.threshold, points: p.points }) },
                { title: t('violations.startsAt'), key: 'startsAt', width: 180, render: (_, p) => <span data-testid="penalty-start">{formatDateTime(p.startsAt, lang, tz)}</span> },
                {
                  title: t('violations.endsAt'),
                  key: 'endsAt',
                  width: 200,
                  render: (_, p) => (
                    <Space direction="vertical" size={0}>
                      <span data-testid="penalty-end">{p.endsAt ? formatDateTime(p.endsAt, lang, tz) : t('violations.untilReview')}</span>
                      {p.endsAt && isInForce(p, now) && <Countdown at={p.endsAt} />}
                    </Space>
                  ),
                },
                {
                  title: t('common.status'),
                  key: 'state',
                  width: 120,
                  render: (_, p) =>
                    p.liftedAt ? (
                      <Tooltip title={p.liftReason}>
                        <Tag color="blue">{t('violations.lifted')}</Tag>
                      </Tooltip>
                    ) : isInForce(p, now) ? (
                      <Tag color="red">{t('violations.inForce')}</Tag>
                    ) : (
                      <Tag>{t('violations.ended')}</Tag>
                    ),
                },
              ]}
            />
          </Card>
        </>
      )}

      <Card className="tgs-card tgs-filter" variant="borderless">
        <Form layout="inline">
          <Form.Item label={t('common.status')} htmlFor="violations-status">
            <Select
              id="violations-status"
              mode="multiple"
              allowClear
              style={{ minWidth: 200 }}
              placeholder={t('common.all')}
              value={status}
              onChange={(v: string[]) => updateList('status', status, v)}
              options={STATUSES.map((s) => ({ value: s, label: t(`enums.ViolationStatus.${s}`) }))}
            />
          </Form.Item>
          <Form.Item label={t('violations.track')} htmlFor="violations-track">
            <Select
              id="violations-track"
              mode="multiple"
              allowClear
              style={{ minWidth: 180 }}
              placeholder={t('common.all')}
              value={track}
              onChange={(v: string[]) => updateList('track', track, v)}
              options={TRACKS.map((s) => ({ value: s, label: t(`enums.ViolationTrack.${s}`) }))}
            />
          </Form.Item>
          <Form.Item label={t('violations.code')} htmlFor="violations-code">
            <Select
              id="violations-code"
              mode="multiple"
              allowClear
              style={{ minWidth: 240 }}
              placeholder={t('common.all')}
              value={code}
              onChange={(v: string[]) => updateList('code', code, v)}
              options={[...codes.values()].map((c) => ({ value: c.code, label: `${c.name} (${c.code})` }))}
              maxTagCount="responsive"
            />
          </Form.Item>
          <Form.Item label={t('violations.countingOnly')} htmlFor="violations-counting">
            <Switch id="violations-counting" checked={countingOnly} onChange={(v) => update({ counting: v ? '1' : null })} />
          </Form.Item>
          <Form.Item>
            <Space>
              <Button onClick={clear} disabled={!filtered && !pastPenalties}>
                {t('common.reset')}
              </Button>
              <Tooltip title={t('violations.refresh')}>
                <Button icon={<ReloadOutlined />} aria-label={t('violations.refresh')} onClick={reload} />
              </Tooltip>
            </Space>
          </Form.Item>
        </Form>
      </Card>

      <Card
        className="tgs-card"
        variant="borderless"
        title={t('violations.listTitle')}
        extra={violations && <Typography.Text type="secondary">{t('violations.totalCount', { count: violations.totalCount })}</Typography.Text>}
      >
        <ApiError error={listRes.error} onRetry={reload} />
        {!isOwner && overview.data && violations?.nodes.some((v) => v.status === 'ACTIVE' && Date.parse(v.appealDeadline) > now) && <Alert type="info" showIcon style={{ marginBottom: 12 }} message={t('violations.ownerOnly')} />}
        <Table<ViolationsItemFragment>
          className="tgs-table"
          data-testid="violations"
          rowKey="id"
          size="middle"
          loading={listRes.fetching || !cursor.ready}
          dataSource={violations?.nodes ?? []}
          scroll={{ x: 1040 }}
          locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={filtered ? t('violations.emptyFiltered') : t('violations.empty')} /> }}
          onRow={(v) => ({ 'data-testid': 'violation', 'data-violation-id': v.id }) as React.HTMLAttributes<HTMLElement>}
          expandable={{
            expandedRowRender: (v) => <ViolationDetail v={v} lang={lang} tz={tz} name={codes.get(v.code)?.description} />,
            rowExpandable: () => true,
          }}
          pagination={{
            current: page,
            pageSize: size,
            total: violations?.totalCount ?? 0,
            pageSizeOptions: PAGE_SIZES,
            showSizeChanger: true,
            showTotal: (total) => t('violations.totalCount', { count: total }),
            onChange: (p, sz) => (sz !== size ? update({ size: String(sz) }) : update({ page: p > 1 ? String(p) : null }, true)),
          }}
          columns={[
            {
              title: t('violations.code'),
              key: 'code',
              width: 230,
              render: (_, v) => (
                <Space direction="vertical" size={2}>
                  <Typography.Text strong>{codes.get(v.code)?.name ?? v.code}</Typography.Text>
                  <Space size={6}>
                    <Tag color={v.track === 'SERIOUS' ? 'red' : 'orange'} style={{ marginInlineEnd: 0 }}>
                      {t(`enums.ViolationTrack.${v.track}`)}
                    </Tag>
                    <Typography.Text type="secondary" className="tg-mono tgs-muted" data-testid="violation-code">
                      {v.code}
                    </Typography.Text>
                  </Space>
                </Space>
              ),
            },
            { title: t('violations.points'), key: 'points', width: 70, align: 'right', render: (_, v) => <Typography.Text strong data-testid="violation-points">{v.points}</Typography.Text> },
            {
              title: t('common.status'),
              key: 'status',
              width: 110,
              render: (_, v) => (
                <Tag color={statusColor[v.status]} data-testid="violation-status" data-status={v.status}>
                  {t(`enums.ViolationStatus.${v.status}`)}
                </Tag>
              ),
            },
            {
              title: t('violations.issuedAt'),
              key: 'issuedAt',
              width: 180,
              render: (_, v) => (
                <Space direction="vertical" size={0}>
                  <span>{formatDateTime(v.issuedAt, lang, tz)}</span>
                  <Typography.Text type="secondary" className="tgs-muted">
                    {v.issuedBy === 'SYSTEM' ? t('violations.bySystem') : t('violations.byPlatform')}
                  </Typography.Text>
                </Space>
              ),
            },
            {
              title: t('violations.evidence'),
              key: 'evidence',
              width: 240,
              render: (_, v) => (
                <Space direction="vertical" size={0}>
                  <Typography.Paragraph ellipsis={{ rows: 2, tooltip: v.evidence || undefined }} style={{ margin: 0 }} type={v.evidence ? undefined : 'secondary'}>
                    {v.evidence || t('violations.systemEvidence')}
                  </Typography.Paragraph>
                  {v.case && (
                    <Link to={`/cases/${encodeURIComponent(v.case.id)}`} className="tg-mono">
                      {v.case.number}
                    </Link>
                  )}
                </Space>
              ),
            },
            {
              title: t('violations.appeal'),
              key: 'appeal',
              width: 210,
              render: (_, v) => <AppealCell v={v} now={now} isOwner={isOwner} onAppeal={() => setAppealing(v)} lang={lang} tz={tz} />,
            },
          ]}
        />
      </Card>
      {appealing && (
        <AppealModal
          v={appealing}
          codeName={codes.get(appealing.code)?.name ?? appealing.code}
          onClose={() => setAppealing(null)}
          onDone={() => setAppealing(null)}
        />
      )}
    </PageContainer>
  );
}

function oneOf<T extends string>(param: string, allowed: T[]): T[] {
  return param.split(',').filter((s): s is T => (allowed as string[]).includes(s));
}

function isInForce(p: Penalty, now: number) {
  return !p.liftedAt && Date.parse(p.startsAt) <= now && (!p.endsAt || Date.parse(p.endsAt) > now);
}

function AppealCell({ v, now, isOwner, onAppeal, lang, tz }: { v: ViolationsItemFragment; now: number; isOwner: boolean; onAppeal: () => void; lang: string; tz?: string }) {
  const { t } = useTranslation();
  if (v.appealedAt) {
    return (
      <Space direction="vertical" size={0}>
        <Typography.Text type="secondary" className="tgs-muted">
          {t('violations.appealedAt', { time: formatDateTime(v.appealedAt, lang, tz) })}
        </Typography.Text>
        {v.decidedAt && <Typography.Text className="tgs-muted">{v.status === 'REVOKED' ? t('violations.appealWon') : t('violations.appealLost')}</Typography.Text>}
      </Space>
    );
  }
  const open = v.status === 'ACTIVE' && Date.parse(v.appealDeadline) > now;
  if (!open) {
    return (
      <Typography.Text type="secondary" className="tgs-muted">
        {v.status === 'ACTIVE' ? t('violations.appealClosed', { time: formatDateTime(v.appealDeadline, lang, tz) }) : '—'}
      </Typography.Text>
    );
  }
  const button = (
    <Button size="small" type="primary" ghost icon={<AuditOutlined />} onClick={onAppeal} disabled={!isOwner} data-testid="appeal-open">
      {t('violations.appealAction')}
    </Button>
  );
  return (
    <Space direction="vertical" size={2}>
      {isOwner ? button : <Tooltip title={t('violations.ownerOnly')}>{button}</Tooltip>}
      <Countdown at={v.appealDeadline} />
    </Space>
  );
}

function ViolationDetail({ v, lang, tz, name }: { v: ViolationsItemFragment; lang: string; tz?: string; name?: string }) {
  const { t } = useTranslation();
  return (
    <Descriptions size="small" column={{ xs: 1, md: 2 }} bordered>
      {name && (
        <Descriptions.Item label={t('violations.rule')} span={2}>
          {name}
        </Descriptions.Item>
      )}
      <Descriptions.Item label={t('violations.evidence')} span={2}>
        <span className="tgs-reply-text">{v.evidence || t('violations.systemEvidence')}</span>
      </Descriptions.Item>
      {v.note && (
        <Descriptions.Item label={t('common.note')} span={2}>
          <span className="tgs-reply-text">{v.note}</span>
        </Descriptions.Item>
      )}
      <Descriptions.Item label={t('violations.appealDeadline')}>{formatDateTime(v.appealDeadline, lang, tz)}</Descriptions.Item>
      <Descriptions.Item label={t('violations.expiresAt')}>{formatDateTime(v.expiresAt, lang, tz)}</Descriptions.Item>
      {v.appealReason && (
        <Descriptions.Item label={t('violations.appealReason')} span={2}>
          <span className="tgs-reply-text">{v.appealReason}</span>
        </Descriptions.Item>
      )}
      {v.decisionNote && (
        <Descriptions.Item label={t('violations.decision')} span={2}>
          <span className="tgs-reply-text">{v.decisionNote}</span> <span className="tgs-muted">{formatDateTime(v.decidedAt, lang, tz)}</span>
        </Descriptions.Item>
      )}
    </Descriptions>
  );
}

function AppealModal({ v, codeName, onClose, onDone }: { v: ViolationsItemFragment; codeName: string; onClose: () => void; onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const session = useSession()!;
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const [{ fetching, error }, appeal] = useMutation(ViolationsAppealDocument);
  const [rest, setRest] = useState<UserError[]>([]);

  const submit = async () => {
    let reason: string;
    try {
      ({ reason } = (await form.validateFields()) as { reason: string });
    } catch {
      return; // the form shows what is missing
    }
    setRest([]);
    const r = await appeal({ input: { violationId: v.id, reason } });
    const errs = r.data?.violationAppeal.userErrors ?? [];
    if (errs.length) {
      form.setFields(fieldErrors(errs).fields.filter((f) => f.name === 'reason'));
      setRest(errs.filter((e) => e.field?.at(-1) !== 'reason'));
      return;
    }
    if (r.data?.violationAppeal.violation) {
      message.success(t('violations.appealed'));
      onDone();
    }
  };

  return (
    <Modal
      open
      title={t('violations.appealTitle', { name: codeName })}
      okText={t('violations.appealSubmit')}
      cancelText={t('common.cancel')}
      onOk={submit}
      onCancel={onClose}
      confirmLoading={fetching}
      okButtonProps={{ 'data-testid': 'appeal-submit' } as React.ComponentProps<typeof Button>}
      destroyOnHidden
    >
      <Space direction="vertical" style={{ width: '100%' }} size={12}>
        <Alert
          type="warning"
          showIcon
          message={t('violations.appealOnce')}
          description={
            <Space size={8} wrap>
              <span>{t('violations.appealBy', { time: formatDateTime(v.appealDeadline, i18n.language, session.store?.timeZone) })}</span>
              <Countdown at={v.appealDeadline} />
            </Space>
          }
        />
        <ApiError error={error} userErrors={rest} />
        <Form form={form} layout="vertical" requiredMark={false}>
          <Form.Item
            className="tgs-has-count"
            name="reason"
            label={t('violations.appealReason')}
            extra={t('violations.appealHelp')}
            rules={[
              { required: true, whitespace: true, message: t('violations.appealRequired') },
              { max: APPEAL_MAX, message: t('violations.appealTooLong', { max: APPEAL_MAX }) },
            ]}
          >
            <Input.TextArea rows={5} showCount maxLength={APPEAL_MAX} data-testid="appeal-reason" placeholder={t('violations.appealPlaceholder')} />
          </Form.Item>
        </Form>
      </Space>
    </Modal>
  );
}
