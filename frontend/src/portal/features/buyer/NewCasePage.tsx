import { PageContainer } from '@ant-design/pro-components';
import { Alert, App, Button, Card, Checkbox, Col, Descriptions, Form, Input, InputNumber, Progress, Radio, Result, Row, Select, Space, Table, Tag, Typography, Upload } from 'antd';
import { CameraOutlined, DeleteOutlined, GiftOutlined } from '@ant-design/icons';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { BuyerCaseCreateDocument, BuyerOrderForCaseDocument, type AfterSalesCaseType, type AfterSalesReason, type BuyerOrderForCaseQuery } from '../../../gql/graphql';
import { ApiError, type UserError } from '../../lib/ApiError';
import { formatDateTime, formatMoney } from '../../lib/format';
import NotFound from '../../lib/NotFound';
import { PageLoading } from '../../lib/PageLoading';
import { asksMoney, needsItems, OPENED_ONLY, reasonsFor, takesItems, typesFor } from './caseRules';
import { currencyDigits, fromMinor, toMinor } from './money';
import { uploadEvidence } from './upload';
import '../ratings/ratings.css';

type Order = NonNullable<BuyerOrderForCaseQuery['order']>;
type Item = Order['items'][number];
interface LineChoice {
  selected: boolean;
  quantity: number;
  unopened: boolean;
}
interface Photo {
  uid: string;
  file: File;
  preview?: string;
}
interface UploadState {
  name: string;
  percent: number;
  status: 'active' | 'success' | 'exception';
  error?: string;
}

const MAX_PHOTOS = 5;
const MAX_BYTES = 10 * 1024 * 1024;
const DESCRIPTION_MAX = 2000;

// Opening an after-sales case on one of the buyer's orders: the kinds of request that fit the order now,
// the reason, the lines and quantities (gifts go back with their line), the amount (the lines' value by
// default), a description and photos, which are uploaded once the case exists; then the case's page.
export default function NewCasePage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const [{ data, error, fetching }, refetch] = useQuery({ query: BuyerOrderForCaseDocument, variables: { id } });
  if (!data && fetching) return <PageLoading />;
  if (error && !data) return <ApiError error={error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />;
  if (!data?.order) return <NotFound />;
  return (
    <PageContainer title={t('buyer.newCaseTitle')} subTitle={`${data.order.store.name} · ${data.order.number}`} onBack={() => history.back()}>
      <CaseForm order={data.order} openCases={data.afterSalesCases.nodes} />
    </PageContainer>
  );
}

function CaseForm({ order, openCases }: { order: Order; openCases: BuyerOrderForCaseQuery['afterSalesCases']['nodes'] }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [search] = useSearchParams();
  const lang = i18n.language;
  const tz = order.store.timeZone;
  const currency = order.total.currencyCode;
  const digits = currencyDigits(currency);
  const [form] = Form.useForm();
  const [{ fetching }, create] = useMutation(BuyerCaseCreateDocument);

  const paidLines = order.items.filter((i) => !i.isGift);
  const giftsOf = (lineId: string) => order.items.filter((i) => i.isGift && i.giftOf === lineId);
  const hasWarranty = paidLines.some((l) => (l.product?.warrantyDays ?? 0) > 0);
  const openTypes = new Map(openCases.map((c) => [c.type, c]));
  const types = typesFor(order.status, !!order.paidAt, hasWarranty);
  const wanted = search.get('type') as AfterSalesCaseType | null;
  const initialType = types.find((x) => x === wanted && !openTypes.has(x)) ?? types.find((x) => !openTypes.has(x));

  const type = Form.useWatch<AfterSalesCaseType | undefined>('type', form) ?? initialType;
  const reason = Form.useWatch<AfterSalesReason | undefined>('reason', form);
  const [lines, setLines] = useState<Record<string, LineChoice>>(() =>
    Object.fromEntries(paidLines.map((l) => [l.id, { selected: paidLines.length === 1, quantity: l.quantity, unopened: false }])),
  );
  const [lineErrors, setLineErrors] = useState<Record<string, string>>({});
  const [amountTouched, setAmountTouched] = useState(false);
  const [photos, setPhotos] = useState<Photo[]>([]);
  const [topErrors, setTopErrors] = useState<UserError[]>([]);
  const [uploads, setUploads] = useState<UploadState[] | null>(null);
  const [created, setCreated] = useState<{ id: string; number: string } | null>(null);

  const chosen = paidLines.filter((l) => lines[l.id]?.selected);
  const linesValue = chosen.reduce((sum, l) => sum + (toMinor(l.unitPrice.amount, digits) ?? 0n) * BigInt(lines[l.id].quantity), 0n);
  const refundable = toMinor(order.refundable.amount, digits) ?? 0n;
  const maxAmount = type === 'COMPLAINT' && chosen.length === 0 ? refundable : linesValue < refundable ? linesValue : refundable;
  const defaultAmount = type && (type === 'REFUND_ONLY' || type === 'RETURN_REFUND') ? fromMinor(maxAmount, digits) : '';

  // The amount follows the chosen lines until the buyer types one.
  useEffect(() => {
    if (!amountTouched) form.setFieldValue('amount', defaultAmount);
  }, [defaultAmount, amountTouched, form]);

  // A reason the new type does not take is cleared.
  useEffect(() => {
    if (type && reason && !reasonsFor(type, order.status).includes(reason)) form.setFieldValue('reason', undefined);
  }, [type, reason, order.status, form]);

  if (types.length === 0) {
    return <Result status="info" title={t('buyer.noCaseTitle')} subTitle={t(`buyer.noCaseText.${order.status === 'PENDING_PAYMENT' ? 'unpaid' : 'other'}`)} extra={<Link to="/buyer/orders">{t('buyer.backToOrders')}</Link>} />;
  }

  const setLine = (lineId: string, change: Partial<LineChoice>) => {
    setLines((prev) => ({ ...prev, [lineId]: { ...prev[lineId], ...change } }));
    setLineErrors((prev) => {
      const next = { ...prev };
      delete next[lineId];
      return next;
    });
    form.setFields([{ name: 'items', errors: [] }]);
  };

  const addPhoto = (file: File) => {
    if (!file.type.startsWith('image/')) {
      message.error(t('buyer.photoNotImage', { name: file.name }));
      return;
    }
    if (file.size > MAX_BYTES) {
      message.error(t('buyer.photoTooLarge', { name: file.name }));
      return;
    }
    const uid = crypto.randomUUID();
    setPhotos((prev) => (prev.length >= MAX_PHOTOS ? prev : [...prev, { uid, file }]));
    // Shown as a data: URL: the page's Content-Security-Policy allows no blob: images.
    const reader = new FileReader();
    reader.onload = () => setPhotos((prev) => prev.map((p) => (p.uid === uid ? { ...p, preview: String(reader.result) } : p)));
    reader.readAsDataURL(file);
  };

  const submit = async (v: { type: AfterSalesCaseType; reason: AfterSalesReason; amount?: string; description?: string }) => {
    setTopErrors([]);
    setLineErrors({});
    const sent = takesItems(v.type) ? chosen : [];
    if (needsItems(v.type) && sent.length === 0) {
      form.setFields([{ name: 'items', errors: [t('buyer.itemsRequired')] }]);
      return;
    }
    const amount = asksMoney(v.type) && v.amount?.trim() ? (() => {
      const m = toMinor(v.amount!.trim(), digits);
      return m === null ? v.amount!.trim() : fromMinor(m, digits);
    })() : null;
    const r = await create({
      input: {
        orderId: order.id,
        type: v.type,
        reason: v.reason,
        items: takesItems(v.type) && sent.length
          ? sent.map((l) => ({
              orderItemId: l.id,
              quantity: lines[l.id].quantity,
              ...(OPENED_ONLY.includes(l.product?.category ?? '') ? { unopened: lines[l.id].unopened } : {}),
            }))
          : null,
        amount,
        description: v.description?.trim() ?? '',
      },
    });
    if (r.error) {
      setTopErrors([{ code: 'ERROR', message: r.error.message }]);
      return;
    }
    const p = r.data?.afterSalesCaseCreate;
    if (!p) return;
    if (p.userErrors.length) {
      const formFields = ['type', 'reason', 'amount', 'description', 'items'];
      const byLine: Record<string, string> = {};
      const onForm: { name: string; errors: string[] }[] = [];
      const rest: UserError[] = [];
      for (const e of p.userErrors) {
        const f = e.field ?? [];
        if (f[1] === 'items' && f.length >= 3 && sent[Number(f[2])]) {
          byLine[sent[Number(f[2])].id] = e.message;
        } else if (f.length === 2 && formFields.includes(f[1])) {
          onForm.push({ name: f[1], errors: [e.message] });
        } else rest.push(e);
      }
      setLineErrors(byLine);
      form.setFields(onForm);
      setTopErrors(rest);
      return;
    }
    if (!p.case) return;
    setCreated(p.case);
    if (photos.length === 0) {
      message.success(t('buyer.caseCreated', { number: p.case.number }));
      navigate(`/cases/${encodeURIComponent(p.case.id)}`);
      return;
    }
    // The case exists: now its photos, one after the other, each with its progress.
    const states: UploadState[] = photos.map((ph) => ({ name: ph.file.name, percent: 0, status: 'active' }));
    setUploads([...states]);
    let failed = false;
    for (let i = 0; i < photos.length; i++) {
      const res = await uploadEvidence(p.case.id, 'PHOTO', photos[i].file, (f) => {
        states[i] = { ...states[i], percent: Math.round(f * 100) };
        setUploads([...states]);
      });
      const problem = res.error ?? res.userErrors.map((u) => u.message).join('; ');
      states[i] = problem ? { ...states[i], status: 'exception', error: problem } : { ...states[i], percent: 100, status: 'success' };
      failed ||= !!problem;
      setUploads([...states]);
    }
    if (!failed) {
      message.success(t('buyer.caseCreatedWithPhotos', { number: p.case.number, count: photos.length }));
      navigate(`/cases/${encodeURIComponent(p.case.id)}`);
    }
  };

  if (created && uploads) {
    const failed = uploads.some((u) => u.status === 'exception');
    return (
      <Card variant="borderless" data-testid="upload-progress">
        <Result
          status={failed ? 'warning' : 'success'}
          title={t('buyer.caseCreated', { number: created.number })}
          subTitle={failed ? t('buyer.uploadFailed') : t('buyer.uploading')}
          extra={
            failed && (
              <Button type="primary" onClick={() => navigate(`/cases/${encodeURIComponent(created.id)}`)}>
                {t('buyer.goToCase')}
              </Button>
            )
          }
        >
          <Space direction="vertical" style={{ width: '100%', maxWidth: 520, margin: '0 auto', display: 'flex' }}>
            {uploads.map((u, i) => (
              <div key={i}>
                <Typography.Text>{u.name}</Typography.Text>
                <Progress percent={u.percent} status={u.status} aria-label={t('buyer.uploadOf', { name: u.name })} />
                {u.error && <Typography.Text type="danger">{u.error}</Typography.Text>}
              </div>
            ))}
          </Space>
        </Result>
      </Card>
    );
  }

  const reasonOptions = type ? reasonsFor(type, order.status) : [];
  const showLines = type ? takesItems(type) : false;
  const noReasonOpened = reason === 'NO_REASON';

  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={16}>
        <Card variant="borderless" className="tgs-steps-card">
          {openCases.length > 0 && (
            <Alert
              type="info"
              showIcon
              style={{ marginBottom: 16 }}
              message={t('buyer.openCasesOnOrder')}
              description={
                <Space wrap>
                  {openCases.map((c) => (
                    <Link key={c.id} to={`/cases/${encodeURIComponent(c.id)}`}>
                      {c.number} · {t(`enums.AfterSalesCaseType.${c.type}`)} · {t(`enums.AfterSalesCaseStatus.${c.status}`)}
                    </Link>
                  ))}
                </Space>
              }
            />
          )}
          <ApiError userErrors={topErrors} />
          <Form form={form} layout="vertical" onFinish={submit} initialValues={{ type: initialType }} requiredMark={false} data-testid="new-case-form" style={{ marginTop: topErrors.length ? 16 : 0 }}>
            <Form.Item name="type" label={t('buyer.caseType')} rules={[{ validator: async (_, v) => { if (!v) throw new Error(t('buyer.typeRequired')); } }]}>
              <Radio.Group className="tgs-type-grid" data-testid="case-type">
                {types.map((x) => {
                  const open = openTypes.get(x);
                  return (
                    <Radio key={x} value={x} disabled={!!open} className={type === x ? 'tgs-type tgs-type-on' : 'tgs-type'} data-testid={`case-type-${x}`}>
                      <span className="tgs-type-title">{t(`enums.AfterSalesCaseType.${x}`)}</span>
                      <br />
                      <span className="tgs-type-text">{open ? t('buyer.typeAlreadyOpen', { number: open.number }) : t(`buyer.typeHelp.${x}`)}</span>
                    </Radio>
                  );
                })}
              </Radio.Group>
            </Form.Item>

            <Form.Item name="reason" label={t('buyer.caseReason')} rules={[{ validator: async (_, v) => { if (!v) throw new Error(t('buyer.reasonRequired')); } }]}>
              <Select
                data-testid="case-reason"
                placeholder={t('buyer.reasonPlaceholder')}
                options={reasonOptions.map((r) => ({ value: r, label: t(`enums.AfterSalesReason.${r}`) }))}
                style={{ maxWidth: 360 }}
              />
            </Form.Item>

            {showLines && (
              <Form.Item name="items" label={needsItems(type!) ? t('buyer.caseItems') : t('buyer.caseItemsOptional')} extra={t('buyer.giftsRide')}>
                <Table<Item>
                  className="tgs-table"
                  data-testid="case-lines"
                  size="small"
                  rowKey="id"
                  pagination={false}
                  dataSource={paidLines}
                  expandable={{
                    expandedRowKeys: paidLines.filter((l) => giftsOf(l.id).length).map((l) => l.id),
                    showExpandColumn: false,
                    expandedRowRender: (l) => (
                      <Space direction="vertical" size={2}>
                        {giftsOf(l.id).map((g) => (
                          <Typography.Text key={g.id} type="secondary" className="tgs-muted">
                            <GiftOutlined aria-hidden /> {t('buyer.giftLine', { title: g.title, quantity: g.quantity, value: formatMoney(g.declaredValue, lang) })}
                          </Typography.Text>
                        ))}
                      </Space>
                    ),
                  }}
                  onRow={(l) => ({ 'data-testid': 'case-line', 'data-item-id': l.id }) as React.HTMLAttributes<HTMLElement>}
                  columns={[
                    {
                      title: t('buyer.choose'),
                      key: 'pick',
                      width: 70,
                      render: (_, l) => (
                        <Checkbox
                          checked={lines[l.id]?.selected}
                          onChange={(e) => setLine(l.id, { selected: e.target.checked })}
                          aria-label={t('buyer.chooseLine', { title: l.title })}
                          data-testid="case-line-pick"
                        />
                      ),
                    },
                    {
                      title: t('buyer.item'),
                      key: 'title',
                      render: (_, l) => (
                        <Space direction="vertical" size={0}>
                          <Typography.Text>{l.title}</Typography.Text>
                          {lineErrors[l.id] && (
                            <Typography.Text type="danger" role="alert" data-testid="case-line-error">
                              {lineErrors[l.id]}
                            </Typography.Text>
                          )}
                          {noReasonOpened && OPENED_ONLY.includes(l.product?.category ?? '') && lines[l.id]?.selected && (
                            <Checkbox checked={lines[l.id].unopened} onChange={(e) => setLine(l.id, { unopened: e.target.checked })}>
                              {t('buyer.unopened')}
                            </Checkbox>
                          )}
                        </Space>
                      ),
                    },
                    { title: t('buyer.unitPrice'), key: 'price', width: 130, align: 'right', render: (_, l) => formatMoney(l.unitPrice, lang) },
                    {
                      title: t('buyer.quantity'),
                      key: 'qty',
                      width: 150,
                      render: (_, l) => (
                        <Space size={4}>
                          <InputNumber
                            min={1}
                            max={l.quantity}
                            precision={0}
                            value={lines[l.id]?.quantity}
                            disabled={!lines[l.id]?.selected}
                            onChange={(q) => setLine(l.id, { quantity: Math.min(l.quantity, Math.max(1, Number(q) || 1)) })}
                            aria-label={t('buyer.quantityOf', { title: l.title })}
                            style={{ width: 70 }}
                            data-testid="case-line-qty"
                          />
                          <Typography.Text type="secondary">/ {l.quantity}</Typography.Text>
                        </Space>
                      ),
                    },
                  ]}
                />
              </Form.Item>
            )}

            {type && asksMoney(type) && (
              <Form.Item
                name="amount"
                label={type === 'COMPLAINT' ? t('buyer.amountComplaint') : t('buyer.amount')}
                extra={
                  <span className="tgs-amount-note">
                    {t('buyer.amountMax', { max: formatMoney({ amount: fromMinor(maxAmount, digits), currencyCode: currency }, lang) })}
                    {chosen.length > 0 && ` · ${t('buyer.linesValue', { value: formatMoney({ amount: fromMinor(linesValue, digits), currencyCode: currency }, lang) })}`}
                  </span>
                }
                rules={[
                  { required: type !== 'COMPLAINT', message: t('buyer.amountRequired') },
                  {
                    validator: async (_, value: string | undefined) => {
                      if (!value?.trim()) return;
                      const m = toMinor(value.trim(), digits);
                      if (m === null) throw new Error(t('buyer.amountInvalid', { digits }));
                      if (m <= 0n) throw new Error(t('buyer.amountPositive'));
                      if (m > maxAmount) throw new Error(t('buyer.amountTooHigh', { max: formatMoney({ amount: fromMinor(maxAmount, digits), currencyCode: currency }, lang) }));
                    },
                  },
                ]}
              >
                <Input
                  inputMode="decimal"
                  prefix={currency}
                  style={{ maxWidth: 240 }}
                  data-testid="case-amount"
                  onChange={() => setAmountTouched(true)}
                  placeholder={type === 'COMPLAINT' ? t('buyer.amountComplaintPlaceholder') : undefined}
                />
              </Form.Item>
            )}
            {type === 'ORDER_CANCEL' && (
              <Form.Item label={t('buyer.amount')}>
                <Typography.Text strong className="tgs-price">
                  {formatMoney(order.refundable, lang)}
                </Typography.Text>
                <div className="tgs-amount-note">{t('buyer.cancelRefund')}</div>
              </Form.Item>
            )}

            <Form.Item name="description" label={t('buyer.description')} rules={[{ max: DESCRIPTION_MAX, message: t('buyer.descriptionTooLong', { max: DESCRIPTION_MAX }) }]}>
              <Input.TextArea rows={4} showCount maxLength={DESCRIPTION_MAX} placeholder={t('buyer.descriptionPlaceholder')} data-testid="case-description" />
            </Form.Item>

            <Form.Item label={t('buyer.photos')} extra={t('buyer.photosHelp', { max: MAX_PHOTOS })}>
              <Space wrap size={12} align="start">
                {photos.map((p) => (
                  <div key={p.uid} className="tgs-preview" data-testid="case-photo-preview">
                    {p.preview ? <img src={p.preview} alt={p.file.name} /> : <CameraOutlined aria-hidden />}
                    <Button
                      size="small"
                      type="text"
                      danger
                      icon={<DeleteOutlined />}
                      aria-label={t('buyer.removePhoto', { name: p.file.name })}
                      onClick={() => setPhotos((prev) => prev.filter((x) => x.uid !== p.uid))}
                      className="tgs-preview-remove"
                    />
                  </div>
                ))}
                {photos.length < MAX_PHOTOS && (
                  <Upload
                    accept="image/*"
                    multiple
                    showUploadList={false}
                    beforeUpload={(file) => {
                      addPhoto(file);
                      return false;
                    }}
                  >
                    <Button icon={<CameraOutlined />} data-testid="case-photo" style={{ height: 120, width: 120 }}>
                      {t('buyer.addPhoto')}
                    </Button>
                  </Upload>
                )}
              </Space>
            </Form.Item>

            <Space>
              <Button type="primary" htmlType="submit" size="large" loading={fetching} data-testid="case-submit">
                {t('buyer.submitCase')}
              </Button>
              <Link to="/buyer/orders">{t('common.cancel')}</Link>
            </Space>
          </Form>
        </Card>
      </Col>
      <Col xs={24} xl={8}>
        <Card variant="borderless" title={t('buyer.orderSummary')} className="tgs-card">
          <Descriptions column={1} size="small">
            <Descriptions.Item label={t('buyer.store')}>{order.store.name}</Descriptions.Item>
            <Descriptions.Item label={t('buyer.orderNo')}>
              <Link to={`/orders/${encodeURIComponent(order.id)}`} className="tg-mono">
                {order.number}
              </Link>
            </Descriptions.Item>
            <Descriptions.Item label={t('common.status')}>
              <Tag>{t(`enums.OrderStatus.${order.status}`)}</Tag>
            </Descriptions.Item>
            <Descriptions.Item label={t('buyer.total')}>{formatMoney(order.total, lang)}</Descriptions.Item>
            <Descriptions.Item label={t('buyer.refundable')}>{formatMoney(order.refundable, lang)}</Descriptions.Item>
            {order.paidAt && <Descriptions.Item label={t('buyer.paidAt')}>{formatDateTime(order.paidAt, lang, tz)}</Descriptions.Item>}
            {order.shippedAt && <Descriptions.Item label={t('buyer.shippedAt')}>{formatDateTime(order.shippedAt, lang, tz)}</Descriptions.Item>}
            {order.deliveredAt && <Descriptions.Item label={t('buyer.deliveredAt')}>{formatDateTime(order.deliveredAt, lang, tz)}</Descriptions.Item>}
          </Descriptions>
        </Card>
        <Card variant="borderless" title={t('buyer.tipsTitle')} size="small">
          <ul style={{ paddingLeft: 18, margin: 0 }} className="tgs-muted">
            <li>{t('buyer.tip1')}</li>
            <li>{t('buyer.tip2')}</li>
            <li>{t('buyer.tip3')}</li>
          </ul>
        </Card>
      </Col>
    </Row>
  );
}
