import { PageContainer } from '@ant-design/pro-components';
import { Alert, App, Button, Card, Col, Descriptions, Form, Input, Result, Row, Space, Typography } from 'antd';
import { GiftOutlined } from '@ant-design/icons';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { BuyerOrderForCaseDocument, BuyerRatingCreateDocument, type BuyerOrderForCaseQuery } from '../../../gql/graphql';
import { ApiError, type UserError } from '../../lib/ApiError';
import { Countdown } from '../../lib/Countdown';
import { formatDateTime, formatMoney } from '../../lib/format';
import NotFound from '../../lib/NotFound';
import { PageLoading } from '../../lib/PageLoading';
import { Stars, StarsInput } from '../ratings/Stars';
import '../ratings/ratings.css';

type Order = NonNullable<BuyerOrderForCaseQuery['order']>;
const COMMENT_MAX = 1000;
const DIMS = ['descriptionMatch', 'serviceAttitude', 'logisticsSpeed'] as const;

// Rating a delivered or completed order: overall stars, the three dimensions and a comment, once.
export default function RateOrderPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const [{ data, error, fetching }, refetch] = useQuery({ query: BuyerOrderForCaseDocument, variables: { id } });
  if (!data && fetching) return <PageLoading />;
  if (error && !data) return <ApiError error={error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />;
  if (!data?.order) return <NotFound />;
  return (
    <PageContainer title={t('buyer.rateTitle')} subTitle={`${data.order.store.name} · ${data.order.number}`} onBack={() => history.back()}>
      <RateForm order={data.order} />
    </PageContainer>
  );
}

function RateForm({ order }: { order: Order }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [form] = Form.useForm();
  const [{ fetching }, create] = useMutation(BuyerRatingCreateDocument);
  const [rest, setRest] = useState<UserError[]>([]);
  const lang = i18n.language;
  const tz = order.store.timeZone;
  const paidLines = order.items.filter((i) => !i.isGift);
  const gifts = order.items.filter((i) => i.isGift);

  if (order.rating) {
    const r = order.rating;
    return (
      <Card variant="borderless">
        <Result
          status="success"
          title={t('buyer.alreadyRated')}
          subTitle={t('buyer.ratedOn', { time: formatDateTime(r.createdAt, lang, tz) })}
          extra={<Link to="/buyer/orders">{t('buyer.backToOrders')}</Link>}
        >
          <div className="tgs-dims" data-testid="existing-rating">
            <span>{t('buyer.overall')}</span>
            <Stars value={r.overall} size={18} />
            {DIMS.map((d) => (
              <span key={d} style={{ display: 'contents' }}>
                <span>{t(`ratings.dim.${d}`)}</span>
                <Stars value={r[d]} />
              </span>
            ))}
          </div>
          {r.comment && <p className="tgs-comment">{r.comment}</p>}
        </Result>
      </Card>
    );
  }
  const rateable = order.status === 'DELIVERED' || order.status === 'COMPLETED';
  const closed = !!order.ratingClosesAt && Date.parse(order.ratingClosesAt) <= Date.now();
  if (!rateable || closed) {
    return (
      <Result
        status="info"
        title={closed ? t('buyer.rateClosed') : t('buyer.rateNotYet')}
        subTitle={closed ? t('buyer.rateClosedText', { time: formatDateTime(order.ratingClosesAt, lang, tz) }) : t('buyer.rateNotYetText')}
        extra={<Link to="/buyer/orders">{t('buyer.backToOrders')}</Link>}
      />
    );
  }

  const submit = async (v: { overall: number; descriptionMatch: number; serviceAttitude: number; logisticsSpeed: number; comment?: string }) => {
    setRest([]);
    const r = await create({ input: { orderId: order.id, overall: v.overall, descriptionMatch: v.descriptionMatch, serviceAttitude: v.serviceAttitude, logisticsSpeed: v.logisticsSpeed, comment: v.comment ?? '' } });
    if (r.error) {
      setRest([{ code: 'ERROR', message: r.error.message }]);
      return;
    }
    const p = r.data?.ratingCreate;
    if (!p) return;
    if (p.userErrors.length) {
      const names = ['overall', ...DIMS, 'comment'];
      const fields: { name: string; errors: string[] }[] = [];
      const other: UserError[] = [];
      for (const e of p.userErrors) {
        const f = e.field?.at(-1);
        if (f && names.includes(f)) fields.push({ name: f, errors: [e.message] });
        else other.push(e);
      }
      form.setFields(fields);
      setRest(other);
      return;
    }
    message.success(t('buyer.rated'));
    navigate('/buyer/orders?status=COMPLETED');
  };

  const starsRule = { required: true, message: t('buyer.starsRequired') };
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={16}>
        <Card variant="borderless" className="tgs-steps-card">
          <ApiError userErrors={rest} />
          <Form form={form} layout="horizontal" labelCol={{ flex: '150px' }} labelAlign="left" onFinish={submit} data-testid="rate-form" requiredMark={false} style={{ marginTop: rest.length ? 16 : 0 }}>
            <Form.Item name="overall" label={t('buyer.overall')} rules={[starsRule]}>
              <StarsInput label={t('buyer.overall')} testId="rate-overall" />
            </Form.Item>
            {DIMS.map((d) => (
              <Form.Item key={d} name={d} label={t(`ratings.dim.${d}`)} rules={[starsRule]}>
                <StarsInput label={t(`ratings.dim.${d}`)} testId={`rate-${d}`} />
              </Form.Item>
            ))}
            <Form.Item name="comment" label={t('buyer.comment')} rules={[{ max: COMMENT_MAX, message: t('buyer.commentTooLong', { max: COMMENT_MAX }) }]}>
              <Input.TextArea rows={5} showCount maxLength={COMMENT_MAX} placeholder={t('buyer.commentPlaceholder')} data-testid="rate-comment" />
            </Form.Item>
            <Form.Item label=" " colon={false}>
              <Space>
                <Button type="primary" htmlType="submit" size="large" loading={fetching} data-testid="rate-submit">
                  {t('buyer.submitRating')}
                </Button>
                <Link to="/buyer/orders">{t('common.cancel')}</Link>
              </Space>
            </Form.Item>
          </Form>
        </Card>
      </Col>
      <Col xs={24} xl={8}>
        <Card variant="borderless" title={t('buyer.orderSummary')}>
          <Space direction="vertical" style={{ width: '100%' }}>
            {paidLines.map((l) => (
              <div className="tgs-line" key={l.id}>
                <div className="tgs-thumb" aria-hidden>
                  {l.title.slice(0, 1)}
                </div>
                <div>
                  <div>{l.title}</div>
                  <div className="tgs-muted">
                    {formatMoney(l.unitPrice, lang)} × {l.quantity}
                  </div>
                </div>
              </div>
            ))}
            {gifts.map((g) => (
              <Typography.Text key={g.id} type="secondary" className="tgs-muted">
                <GiftOutlined aria-hidden /> {t('buyer.gift')}: {g.title} × {g.quantity}
              </Typography.Text>
            ))}
            <Descriptions column={1} size="small" style={{ marginTop: 8 }}>
              <Descriptions.Item label={t('buyer.total')}>{formatMoney(order.total, lang)}</Descriptions.Item>
              {order.deliveredAt && <Descriptions.Item label={t('buyer.deliveredAt')}>{formatDateTime(order.deliveredAt, lang, tz)}</Descriptions.Item>}
            </Descriptions>
            {order.ratingClosesAt && (
              <Alert
                type="info"
                showIcon
                message={
                  <Space wrap size={6}>
                    <span>{t('buyer.rateUntil', { time: formatDateTime(order.ratingClosesAt, lang, tz) })}</span>
                    <Countdown at={order.ratingClosesAt} />
                  </Space>
                }
              />
            )}
            <Typography.Paragraph type="secondary" className="tgs-muted" style={{ margin: 0 }}>
              {t('buyer.ratePublic')}
            </Typography.Paragraph>
          </Space>
        </Card>
      </Col>
    </Row>
  );
}
