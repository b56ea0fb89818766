import { PageContainer } from '@ant-design/pro-components';
import { App, Button, Card, Checkbox, Empty, Form, Input, List, Pagination, Progress, Select, Space, Switch, Tag, Tooltip, Typography } from 'antd';
import { EditOutlined, MessageOutlined, ReloadOutlined } from '@ant-design/icons';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useClient, useMutation, useQuery } from 'urql';
import { RatingsCursorDocument, RatingsListDocument, RatingsReplyDocument, RatingsSummaryDocument, type RatingFilter, type RatingsItemFragment } from '../../../gql/graphql';
import { useSession } from '../../auth/useSession';
import { ApiError, fieldErrors, type UserError } from '../../lib/ApiError';
import { formatDate, formatDateTime } from '../../lib/format';
import { PageLoading } from '../../lib/PageLoading';
import { pageParams, PAGE_SIZES, useCursorPage, useUrlState } from '../../lib/urlList';
import { Stars } from './Stars';
import './ratings.css';

const STARS = [5, 4, 3, 2, 1];
const REPLY_MAX = 1000;

// The store's ratings: the 180-day averages (overall and the three dimensions), filters by stars, negative
// only and awaiting a reply (all in the URL), and each rating with its order, revision and the store's reply.
export default function RatingsPage() {
  const { t, i18n } = useTranslation();
  const session = useSession()!;
  const { params, update, updateList, clear } = useUrlState();
  const lang = i18n.language;
  const tz = session.store?.timeZone;

  const starsParam = params.get('stars') ?? '';
  const stars = useMemo(() => starsParam.split(',').map(Number).filter((n) => STARS.includes(n)).sort((a, b) => b - a), [starsParam]);
  const negativeOnly = params.get('negative') === '1';
  const unanswered = params.get('reply') === 'none';
  const { page, size } = pageParams(params, 10);
  const filter = useMemo<RatingFilter>(
    () => ({ stars: stars.length ? stars : null, negativeOnly: negativeOnly || null, unanswered: unanswered || null }),
    [stars, negativeOnly, unanswered],
  );
  const filtered = stars.length > 0 || negativeOnly || unanswered;

  const client = useClient();
  const endCursor = useCallback(
    async (after: string | null, first: number) => {
      const r = await client.query(RatingsCursorDocument, { first, after, filter }, { requestPolicy: 'network-only' }).toPromise();
      return r.data?.viewer?.store?.ratings.pageInfo ?? null;
    },
    [client, filter],
  );
  const cursor = useCursorPage('ratings:' + JSON.stringify(filter), page, size, endCursor);
  const [list, refetchList] = useQuery({ query: RatingsListDocument, variables: { first: size, after: cursor.after, filter }, pause: !cursor.ready });
  // The counts hold no rating: they are refetched with the list when a reply changes a rating.
  const summaryContext = useMemo(() => ({ additionalTypenames: ['Rating'] }), []);
  const [summary, refetchSummary] = useQuery({ query: RatingsSummaryDocument, context: summaryContext });
  const { remember } = cursor;
  useEffect(() => remember(list.data?.viewer?.store?.ratings.pageInfo.endCursor), [list.data, remember]);

  const reload = () => {
    refetchList({ requestPolicy: 'network-only' });
    refetchSummary({ requestPolicy: 'network-only' });
  };

  const s = summary.data?.viewer?.store;
  const ratings = list.data?.viewer?.store?.ratings;
  if (!summary.data && summary.fetching) return <PageLoading />;

  return (
    <PageContainer title={t('ratings.title')} subTitle={session.store?.name}>
      <ApiError error={summary.error} onRetry={reload} />
      {s && (
        <Card className="tgs-card" variant="borderless" data-testid="rating-averages">
          <div className="tgs-summary">
            <div>
              <div className="tgs-dim-label">{t('ratings.overall')}</div>
              <div className="tgs-big" data-testid="avg-overall">
                {s.ratingAverages.count ? s.ratingAverages.overall.toFixed(2) : '—'}
                <small>/ 5</small>
              </div>
              <Stars value={s.ratingAverages.overall} size={16} />
              <div className="tgs-muted" data-testid="avg-count">
                {t('ratings.window', {
                  count: s.ratingAverages.count,
                  from: formatDate(s.ratingAverages.from, lang, tz),
                  to: formatDate(s.ratingAverages.asOf, lang, tz),
                })}
              </div>
            </div>
            {(['descriptionMatch', 'serviceAttitude', 'logisticsSpeed'] as const).map((k) => (
              <div key={k}>
                <div className="tgs-dim-label">{t(`ratings.dim.${k}`)}</div>
                <div className="tgs-dim-value" data-testid={`avg-${k}`}>
                  {s.ratingAverages.count ? s.ratingAverages[k].toFixed(2) : '—'}
                </div>
                <Progress
                  percent={(s.ratingAverages[k] / 5) * 100}
                  showInfo={false}
                  size="small"
                  strokeColor="#ff5000"
                  aria-label={t(`ratings.dim.${k}`)}
                />
              </div>
            ))}
            <div className="tgs-quick">
              <Link to="?negative=1" data-testid="quick-negative">
                <span>{t('ratings.negativeAll')}</span>
                <b>{s.negative.totalCount}</b>
              </Link>
              <Link to="?reply=none" data-testid="quick-unanswered">
                <span>{t('ratings.awaitingReply')}</span>
                <b>{s.unanswered.totalCount}</b>
              </Link>
              <Link to="?negative=1&reply=none">
                <span>{t('ratings.negativeAwaiting')}</span>
                <b>{s.negativeUnanswered.totalCount}</b>
              </Link>
            </div>
          </div>
          {s.ratingAverages.negative > 0 && (
            <Typography.Text type="secondary" className="tgs-muted">
              {t('ratings.negativeWindow', { count: s.ratingAverages.negative })}
            </Typography.Text>
          )}
        </Card>
      )}

      <Card className="tgs-card tgs-filter" variant="borderless">
        <Form layout="inline">
          <Form.Item label={t('ratings.filterStars')}>
            <Checkbox.Group
              aria-label={t('ratings.filterStars')}
              data-testid="filter-stars"
              value={stars}
              onChange={(v) => updateList('stars', stars, v as number[], (a, b) => Number(b) - Number(a))}
              options={STARS.map((n) => ({ value: n, label: t('ratings.nStars', { count: n }) }))}
            />
          </Form.Item>
          <Form.Item label={t('ratings.filterNegative')} htmlFor="ratings-negative">
            <Switch id="ratings-negative" data-testid="filter-negative" checked={negativeOnly} onChange={(v) => update({ negative: v ? '1' : null })} />
          </Form.Item>
          <Form.Item label={t('ratings.filterReply')} htmlFor="ratings-reply">
            <Select
              id="ratings-reply"
              data-testid="filter-reply"
              style={{ width: 170 }}
              value={unanswered ? 'none' : 'all'}
              onChange={(v) => update({ reply: v === 'none' ? 'none' : null })}
              options={[
                { value: 'all', label: t('ratings.replyAll') },
                { value: 'none', label: t('ratings.replyNone') },
              ]}
            />
          </Form.Item>
          <Form.Item>
            <Space>
              <Button onClick={clear} disabled={!filtered}>
                {t('common.reset')}
              </Button>
              <Tooltip title={t('ratings.refresh')}>
                <Button icon={<ReloadOutlined />} aria-label={t('ratings.refresh')} onClick={reload} />
              </Tooltip>
            </Space>
          </Form.Item>
        </Form>
      </Card>

      <Card
        className="tgs-card"
        variant="borderless"
        title={t('ratings.listTitle')}
        extra={ratings && <Typography.Text type="secondary" data-testid="ratings-total">{t('ratings.totalCount', { count: ratings.totalCount })}</Typography.Text>}
      >
        <ApiError error={list.error} onRetry={reload} />
        {cursor.failed && <ApiError userErrors={[{ code: 'PAGE', message: t('ratings.pageUnavailable') }]} />}
        <List<RatingsItemFragment>
          data-testid="ratings-list"
          loading={list.fetching || !cursor.ready}
          dataSource={ratings?.nodes ?? []}
          locale={{
            emptyText: <Empty description={filtered ? t('ratings.emptyFiltered') : t('ratings.empty')} image={Empty.PRESENTED_IMAGE_SIMPLE} />,
          }}
          renderItem={(r) => <RatingRow rating={r} lang={lang} tz={tz} />}
        />
        {ratings && ratings.totalCount > 0 && (
          <Pagination
            align="end"
            style={{ marginTop: 16 }}
            current={page}
            pageSize={size}
            total={ratings.totalCount}
            pageSizeOptions={PAGE_SIZES}
            showSizeChanger
            showTotal={(total) => t('ratings.totalCount', { count: total })}
            onChange={(p, sz) => (sz !== size ? update({ size: String(sz) }) : update({ page: p > 1 ? String(p) : null }, true))}
          />
        )}
      </Card>
    </PageContainer>
  );
}

function RatingRow({ rating: r, lang, tz }: { rating: RatingsItemFragment; lang: string; tz?: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const canReply = r.availableActions.includes('REPLY');
  const paid = r.order?.items.filter((i) => !i.isGift) ?? [];
  return (
    <List.Item className={r.negative ? 'tgs-rating tgs-negative' : 'tgs-rating'} data-testid="rating" data-rating-id={r.id} data-order={r.order?.number ?? ''}>
      <div className="tgs-rating-main">
        <div className="tgs-rating-head">
          <Stars value={r.overall} size={16} testId="rating-overall" />
          <Typography.Text strong>{t(`ratings.word.${['', 'veryBad', 'bad', 'ok', 'good', 'veryGood'][r.overall]}`)}</Typography.Text>
          {r.negative && <Tag color="red">{t('ratings.negativeTag')}</Tag>}
          {r.revisedAt && (
            <Tooltip title={t('ratings.revisedAt', { time: formatDateTime(r.revisedAt, lang, tz) })}>
              <Tag color="gold" icon={<EditOutlined />} data-testid="rating-revised">
                {t('ratings.revised')}
              </Tag>
            </Tooltip>
          )}
          {!r.reply && <Tag color="orange">{t('ratings.awaitingReplyTag')}</Tag>}
        </div>
        <div className="tgs-subscores" data-testid="rating-dims">
          <span>
            {t('ratings.dim.descriptionMatch')}
            <b>{r.descriptionMatch}</b>
          </span>
          <span>
            {t('ratings.dim.serviceAttitude')}
            <b>{r.serviceAttitude}</b>
          </span>
          <span>
            {t('ratings.dim.logisticsSpeed')}
            <b>{r.logisticsSpeed}</b>
          </span>
        </div>
        <p className={r.comment ? 'tgs-comment' : 'tgs-comment tgs-comment-empty'} data-testid="rating-comment">
          {r.comment || t('ratings.noComment')}
        </p>
        {r.reply && (
          <div className="tgs-reply" data-testid="rating-reply">
            <span className="tgs-reply-label">{t('ratings.storeReply')}</span>
            <span className="tgs-reply-text">{r.reply}</span>
            <div className="tgs-muted">{formatDateTime(r.repliedAt, lang, tz)}</div>
          </div>
        )}
        {canReply && !open && (
          <Button icon={<MessageOutlined />} size="small" style={{ marginTop: 8 }} onClick={() => setOpen(true)} data-testid="reply-open">
            {t('ratings.reply')}
          </Button>
        )}
        {canReply && open && <ReplyForm ratingId={r.id} onDone={() => setOpen(false)} onCancel={() => setOpen(false)} />}
      </div>
      <div className="tgs-rating-side">
        <Typography.Text type="secondary" className="tgs-muted">
          {t('ratings.ratedAt', { time: formatDateTime(r.createdAt, lang, tz) })}
        </Typography.Text>
        {r.order ? (
          <Link to={`/orders/${encodeURIComponent(r.order.id)}`} className="tg-mono" data-testid="rating-order">
            {r.order.number}
          </Link>
        ) : (
          <Typography.Text type="secondary">{t('ratings.orderHidden')}</Typography.Text>
        )}
        {paid.length > 0 && (
          <span className="tgs-items">
            {paid[0].title}
            {paid.length > 1 ? t('ratings.moreItems', { count: paid.length - 1 }) : ''}
          </span>
        )}
      </div>
    </List.Item>
  );
}

function ReplyForm({ ratingId, onDone, onCancel }: { ratingId: string; onDone: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const [{ fetching, error }, reply] = useMutation(RatingsReplyDocument);
  const [rest, setRest] = useState<UserError[]>([]);

  const submit = async ({ text }: { text: string }) => {
    setRest([]);
    const r = await reply({ input: { ratingId, text } });
    const errs = r.data?.ratingReply.userErrors ?? [];
    if (errs.length) {
      form.setFields(fieldErrors(errs).fields.filter((f) => f.name === 'text'));
      setRest(errs.filter((e) => e.field?.at(-1) !== 'text'));
      return;
    }
    if (r.data?.ratingReply.rating) {
      message.success(t('ratings.replied'));
      onDone();
    }
  };

  return (
    <Form form={form} layout="vertical" onFinish={submit} className="tgs-reply" data-testid="reply-form" requiredMark={false}>
      <ApiError error={error} userErrors={rest} />
      <Form.Item
        className="tgs-has-count"
        name="text"
        label={t('ratings.replyLabel')}
        extra={t('ratings.replyHelp')}
        rules={[
          { required: true, whitespace: true, message: t('ratings.replyRequired') },
          { max: REPLY_MAX, message: t('ratings.replyTooLong', { max: REPLY_MAX }) },
        ]}
        style={{ marginBottom: 12 }}
      >
        <Input.TextArea rows={3} showCount maxLength={REPLY_MAX} placeholder={t('ratings.replyPlaceholder')} data-testid="reply-text" />
      </Form.Item>
      <Space>
        <Button type="primary" htmlType="submit" loading={fetching} data-testid="reply-submit">
          {t('ratings.sendReply')}
        </Button>
        <Button onClick={onCancel}>{t('common.cancel')}</Button>
      </Space>
    </Form>
  );
}
