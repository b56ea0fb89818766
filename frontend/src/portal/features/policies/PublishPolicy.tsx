import { DrawerForm } from '@ant-design/pro-components';
import { Alert, App, Col, Divider, Flex, Form, Input, InputNumber, Row, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation } from 'urql';
import { AdminScoringPolicyPublishDocument, type AdminPolicyFieldsFragment, type MetricKey, type ScoreLevel } from '../../../gql/graphql';
import { ApiError, type UserError } from '../../lib/ApiError';
import { LevelTag } from '../../lib/Labels';
import { FormSelect } from '../scoreboard/FormSelect';
import { fromForm, toForm, unitOf } from './policyValues';

interface RuleValues {
  metric: MetricKey;
  weight: number | null;
  excellent: number | null;
  threshold: number | null;
}
interface Values {
  rules: RuleValues[];
  generalPointValue: number | null;
  seriousPointValue: number | null;
  deductionCap: number | null;
  bands: { level: ScoreLevel; min: number | null }[];
  lowestLevel: ScoreLevel;
  minOrders: number | null;
  note?: string;
}

const LEVELS: ScoreLevel[] = ['S', 'A', 'B', 'C', 'D'];
const FORM_FIELDS = ['generalPointValue', 'seriousPointValue', 'deductionCap', 'lowestLevel', 'minOrders', 'note'];

function initialValues(p: AdminPolicyFieldsFragment): Values {
  return {
    rules: p.rules.map((r) => ({ metric: r.metric, weight: r.weight, excellent: toForm(r.metric, r.excellent), threshold: toForm(r.metric, r.threshold) })),
    generalPointValue: p.generalPointValue,
    seriousPointValue: p.seriousPointValue,
    deductionCap: p.deductionCap,
    bands: p.bands.map((b) => ({ level: b.level, min: b.min })),
    lowestLevel: p.lowestLevel,
    minOrders: p.minOrders,
    note: '',
  };
}

// The server names a problem by its path in the input (["input","rules","0","excellent"]); the form's
// fields have the same shape, so the path is the field's name. What has no field here (the deduction as a
// whole) is shown above the form.
function serverPath(field: readonly string[] | null | undefined): (string | number)[] | null {
  if (!field || field[0] !== 'input' || field.length < 2) return null;
  const path = field.slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const head = path[0];
  if (head === 'rules' || head === 'bands') {
    if (path.length === 1 || (path.length === 3 && typeof path[1] === 'number')) return path;
    return null;
  }
  return path.length === 1 && FORM_FIELDS.includes(String(head)) ? path : null;
}

// "Publish new version": a drawer prefilled from the version in force, validated as the server validates
// (weights sum to 100, E better than T for every metric, bands descending within 0–100, deductions not
// negative, cap 0–100), then a last confirmation; the server's refusals are shown on their fields.
export function PublishPolicy({
  current,
  open,
  onOpenChange,
  onPublished,
}: {
  current: AdminPolicyFieldsFragment;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onPublished: (p: AdminPolicyFieldsFragment) => void;
}) {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [, publish] = useMutation(AdminScoringPolicyPublishDocument);
  const [rest, setRest] = useState<readonly UserError[]>([]);
  const [rejected, setRejected] = useState(false);
  const rules = Form.useWatch('rules', form) as RuleValues[] | undefined;
  const sum = (rules ?? []).reduce((n, r) => n + (Number(r?.weight) || 0), 0);
  const higher = (metric: string) => current.rules.find((r) => r.metric === metric)?.higherIsBetter ?? metric === 'averageRating';
  const unitLabel = (metric: string) => t(`policies.form.unit${{ percent: 'Percent', hours: 'Hours', stars: 'Stars' }[unitOf(metric)]}`);
  const next = current.version + 1;

  const send = async (v: Values): Promise<boolean> => {
    setRest([]);
    setRejected(false);
    const r = await publish({
      input: {
        rules: v.rules.map((x) => ({ metric: x.metric, weight: Number(x.weight), excellent: fromForm(x.metric, Number(x.excellent)), threshold: fromForm(x.metric, Number(x.threshold)) })),
        generalPointValue: Number(v.generalPointValue),
        seriousPointValue: Number(v.seriousPointValue),
        deductionCap: Number(v.deductionCap),
        bands: v.bands.map((b) => ({ level: b.level, min: Number(b.min) })),
        lowestLevel: v.lowestLevel,
        minOrders: Number(v.minOrders),
        note: v.note?.trim() || undefined,
      },
    }, { additionalTypenames: ['ScoringPolicy'] });
    if (r.error) {
      setRest([{ code: 'ERROR', message: r.error.message }]);
      return false;
    }
    const p = r.data?.scoringPolicyPublish;
    if (p?.userErrors.length) {
      const byField = new Map<string, { name: (string | number)[]; errors: string[] }>();
      const other: UserError[] = [];
      for (const e of p.userErrors) {
        const name = serverPath(e.field);
        if (!name) {
          other.push(e);
          continue;
        }
        const key = name.join('.');
        const f = byField.get(key) ?? { name, errors: [] };
        f.errors.push(e.message);
        byField.set(key, f);
      }
      form.setFields([...byField.values()] as Parameters<typeof form.setFields>[0]);
      setRest(other);
      setRejected(true);
      return false;
    }
    if (p?.policy) onPublished(p.policy);
    return true;
  };

  return (
    <DrawerForm<Values>
      name="publish"
      form={form}
      open={open}
      onOpenChange={onOpenChange}
      title={t('policies.form.title', { version: next })}
      width={860}
      initialValues={initialValues(current)}
      drawerProps={{ destroyOnHidden: true, maskClosable: false }}
      submitter={{ searchConfig: { submitText: t('policies.form.submit'), resetText: t('common.cancel') } }}
      scrollToFirstError
      onFinishFailed={() => setRejected(false)}
      onFinish={(v) =>
        new Promise<boolean>((resolve) => {
          modal.confirm({
            title: t('policies.form.confirmTitle', { version: next }),
            content: t('policies.form.confirmText'),
            okText: t('policies.form.submit'),
            cancelText: t('common.cancel'),
            onOk: async () => resolve(await send(v)),
            onCancel: () => resolve(false),
          });
        })
      }
    >
      <Flex vertical gap={12} data-testid="publish-form">
        <Alert type="info" showIcon message={t('policies.form.intro', { version: current.version })} />
        {rejected && <Alert type="error" showIcon message={t('policies.form.fixErrors')} data-testid="publish-rejected" />}
        <ApiError userErrors={rest} />

        <Divider orientation="left" orientationMargin={0} style={{ margin: '4px 0' }}>
          {t('policies.form.metrics')}
        </Divider>
        <Row gutter={12} className="tg-policy-grid-head">
          <Col span={7}>
            <Typography.Text type="secondary">{t('policies.form.metric')}</Typography.Text>
          </Col>
          <Col span={5}>
            <Typography.Text type="secondary">{t('policies.form.weight')}</Typography.Text>
          </Col>
          <Col span={6}>
            <Typography.Text type="secondary">{t('policies.form.excellent')}</Typography.Text>
          </Col>
          <Col span={6}>
            <Typography.Text type="secondary">{t('policies.form.threshold')}</Typography.Text>
          </Col>
        </Row>
        <Form.List
          name="rules"
          rules={[
            {
              validator: async (_, value: RuleValues[]) => {
                const s = (value ?? []).reduce((n, r) => n + (Number(r?.weight) || 0), 0);
                if (s !== 100) throw new Error(t('policies.form.weightsSum', { sum: s }));
              },
            },
          ]}
        >
          {(fields, _ops, { errors }) => (
            <>
              {fields.map((f) => {
                const metric = form.getFieldValue(['rules', f.name, 'metric']) as MetricKey;
                const label = t(`enums.MetricKey.${metric}`);
                const up = higher(metric);
                const unit = unitLabel(metric);
                const max = unitOf(metric) === 'stars' ? 5 : undefined;
                const valueRules = [
                  { required: true, message: t('policies.form.valueRequired') },
                  { type: 'number' as const, min: 0, message: t('policies.form.valueMin') },
                  ...(max ? [{ type: 'number' as const, max, message: t('policies.form.ratingRange') }] : []),
                ];
                return (
                  <Row key={f.key} gutter={12} align="top" data-testid={`rule-${metric}`}>
                    <Col span={7}>
                      <Form.Item name={[f.name, 'metric']} hidden>
                        <Input />
                      </Form.Item>
                      <Flex vertical gap={0} style={{ paddingTop: 4 }}>
                        <Typography.Text strong>{label}</Typography.Text>
                        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                          {t(up ? 'policies.higherBetter' : 'policies.lowerBetter')}
                        </Typography.Text>
                      </Flex>
                    </Col>
                    <Col span={5}>
                      <Form.Item
                        name={[f.name, 'weight']}
                        rules={[
                          { required: true, message: t('policies.form.weightRange') },
                          { type: 'integer', min: 0, max: 100, message: t('policies.form.weightRange') },
                        ]}
                      >
                        <InputNumber style={{ width: '100%' }} min={0} max={100} precision={0} addonAfter="%" aria-label={`${label} · ${t('policies.form.weight')}`} data-testid={`weight-${metric}`} />
                      </Form.Item>
                    </Col>
                    <Col span={6}>
                      <Form.Item
                        name={[f.name, 'excellent']}
                        dependencies={[['rules', f.name, 'threshold']]}
                        rules={[
                          ...valueRules,
                          {
                            validator: async (_, v: number | null) => {
                              const th = form.getFieldValue(['rules', f.name, 'threshold']) as number | null;
                              if (v == null || th == null) return;
                              if (up ? !(v > th) : !(v < th)) throw new Error(t(up ? 'policies.form.eAboveT' : 'policies.form.eBelowT'));
                            },
                          },
                        ]}
                      >
                        <InputNumber style={{ width: '100%' }} min={0} max={max} addonAfter={unit} aria-label={`${label} · ${t('policies.form.excellent')}`} data-testid={`excellent-${metric}`} />
                      </Form.Item>
                    </Col>
                    <Col span={6}>
                      <Form.Item name={[f.name, 'threshold']} rules={valueRules}>
                        <InputNumber style={{ width: '100%' }} min={0} max={max} addonAfter={unit} aria-label={`${label} · ${t('policies.form.threshold')}`} data-testid={`threshold-${metric}`} />
                      </Form.Item>
                    </Col>
                  </Row>
                );
              })}
              <Flex justify="space-between" align="center" className="tg-weight-total">
                <Typography.Text strong type={sum === 100 ? 'success' : 'danger'} data-testid="weight-total">
                  {t('policies.form.weightTotal', { sum })}
                </Typography.Text>
              </Flex>
              <div data-testid="weights-error" role="alert">
                <Form.ErrorList errors={errors} />
              </div>
            </>
          )}
        </Form.List>

        <Divider orientation="left" orientationMargin={0} style={{ margin: '4px 0' }}>
          {t('policies.form.deduction')}
        </Divider>
        <Row gutter={12}>
          <Col span={8}>
            <Form.Item
              name="generalPointValue"
              label={t('policies.generalPointValue')}
              rules={[
                { required: true, message: t('policies.form.valueRequired') },
                { type: 'number', min: 0, message: t('policies.form.pointValue') },
              ]}
            >
              <InputNumber style={{ width: '100%' }} min={0} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item
              name="seriousPointValue"
              label={t('policies.seriousPointValue')}
              rules={[
                { required: true, message: t('policies.form.valueRequired') },
                { type: 'number', min: 0, message: t('policies.form.pointValue') },
              ]}
            >
              <InputNumber style={{ width: '100%' }} min={0} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item
              name="deductionCap"
              label={t('policies.deductionCap')}
              rules={[
                { required: true, message: t('policies.form.valueRequired') },
                { type: 'number', min: 0, max: 100, message: t('policies.form.capRange') },
              ]}
            >
              <InputNumber style={{ width: '100%' }} min={0} max={100} />
            </Form.Item>
          </Col>
        </Row>

        <Divider orientation="left" orientationMargin={0} style={{ margin: '4px 0' }}>
          {t('policies.form.bands')}
        </Divider>
        <Form.List name="bands">
          {(fields) => (
            <Row gutter={12}>
              {fields.map((f) => {
                const level = form.getFieldValue(['bands', f.name, 'level']) as ScoreLevel;
                return (
                  <Col key={f.key} span={6}>
                    <Form.Item name={[f.name, 'level']} hidden>
                      <Input />
                    </Form.Item>
                    <Form.Item
                      name={[f.name, 'min']}
                      label={
                        <span>
                          <LevelTag level={level} /> {t('policies.form.bandMin', { level })}
                        </span>
                      }
                      dependencies={f.name > 0 ? [['bands', f.name - 1, 'min']] : []}
                      rules={[
                        { required: true, message: t('policies.form.valueRequired') },
                        { type: 'number', min: 0, max: 100, message: t('policies.form.bandRange') },
                        {
                          validator: async (_, v: number | null) => {
                            if (f.name === 0 || v == null) return;
                            const prev = form.getFieldValue(['bands', f.name - 1]) as { level: string; min: number | null };
                            if (prev?.min != null && !(v < prev.min)) throw new Error(t('policies.form.bandOrder', { level: prev.level, min: prev.min }));
                          },
                        },
                      ]}
                    >
                      <InputNumber style={{ width: '100%' }} min={0} max={100} data-testid={`band-${level}`} />
                    </Form.Item>
                  </Col>
                );
              })}
            </Row>
          )}
        </Form.List>
        <Row gutter={12}>
          <Col span={8}>
            <Form.Item name="lowestLevel" label={t('policies.form.lowestLevel')} rules={[{ required: true, message: t('policies.form.valueRequired') }]}>
              <FormSelect options={LEVELS.map((l) => ({ value: l, label: t(`enums.ScoreLevel.${l}`) }))} />
            </Form.Item>
          </Col>
          <Col span={16}>
            <Form.Item
              name="minOrders"
              label={t('policies.form.minOrders')}
              rules={[
                { required: true, message: t('policies.form.minOrdersRange') },
                { type: 'integer', min: 1, max: 100000, message: t('policies.form.minOrdersRange') },
              ]}
            >
              <InputNumber style={{ width: 200 }} min={1} max={100000} precision={0} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="note" label={t('policies.form.note')}>
          <Input.TextArea maxLength={2000} showCount rows={2} placeholder={t('policies.form.notePlaceholder')} />
        </Form.Item>
      </Flex>
    </DrawerForm>
  );
}
