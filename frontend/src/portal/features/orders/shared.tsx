import { Tag, Typography } from 'antd';
import { ClockCircleFilled } from '@ant-design/icons';
import { Countdown } from '../../lib/Countdown';
import type { FormInstance } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CombinedError } from 'urql';
import { fieldErrors, type UserError } from '../../lib/ApiError';
import { intlLocale } from '../../lib/locale';

// What the orders and after-sales pages share: status tags, the store-day ↔ instant conversion for date
// filters, numbered pages over the API's cursor pagination, amounts as decimal strings, and how a
// mutation's answer is shown on its form.

export const orderStatusColor: Record<string, string> = {
  PENDING_PAYMENT: 'gold',
  PAID: 'orange',
  SHIPPED: 'blue',
  DELIVERED: 'cyan',
  COMPLETED: 'green',
  CANCELLED: 'default',
};

export function OrderStatusTag({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <Tag color={orderStatusColor[status]} data-testid="order-status" data-status={status}>
      {t(`enums.OrderStatus.${status}`)}
    </Tag>
  );
}

export const caseStatusColor: Record<string, string> = {
  REQUESTED: 'orange',
  AWAITING_RETURN: 'gold',
  RETURN_SHIPPED: 'blue',
  AWAITING_RESHIP: 'gold',
  RESHIPPED: 'blue',
  REFUNDING: 'processing',
  REFUNDED: 'green',
  REFUND_FAILED: 'red',
  REJECTED: 'volcano',
  IN_ARBITRATION: 'purple',
  CLOSED_FOR_MERCHANT: 'default',
  COMPLETED: 'green',
  WITHDRAWN: 'default',
  CLOSED: 'default',
  PLATFORM_REVIEW: 'purple',
};

export function CaseStatusTag({ status, testId = 'case-status' }: { status: string; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Tag color={caseStatusColor[status]} data-testid={testId} data-status={status}>
      {t(`enums.AfterSalesCaseStatus.${status}`)}
    </Tag>
  );
}

export function Mono({ children }: { children: React.ReactNode }) {
  return <Typography.Text className="tg-mono">{children}</Typography.Text>;
}

// ---------------------------------------------------------------- days in the store's time zone

function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(utcMs);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

// dayStart: the instant a calendar day ("2026-12-06") begins in timeZone, as RFC 3339.
export function dayStart(ymd: string, timeZone: string): string {
  const [y, m, d] = ymd.split('-').map(Number);
  const guess = Date.UTC(y, m - 1, d);
  let at = guess - zoneOffsetMs(guess, timeZone);
  at = guess - zoneOffsetMs(at, timeZone);
  return new Date(at).toISOString();
}

// nextDay: "2026-12-06" → "2026-12-07".
export function nextDay(ymd: string): string {
  const [y, m, d] = ymd.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

export const isDay = (s: string | null): s is string => !!s && /^\d{4}-\d{2}-\d{2}$/.test(s);

// ---------------------------------------------------------------- amounts

// toMinor: "12.5" → 1250 (cents), exact from the digits; NaN when it is not an amount.
export function toMinor(amount: string): number {
  const m = /^\s*(\d{1,13})(?:\.(\d{1,2}))?\s*$/.exec(amount);
  if (!m) return NaN;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

export function amountRule(t: (k: string, o?: Record<string, unknown>) => string, max?: { amount: string; label: string }) {
  return {
    validator: async (_: unknown, value: string | undefined) => {
      if (value == null || value === '') return;
      const minor = toMinor(value);
      if (Number.isNaN(minor)) throw new Error(t('orders.amountInvalid'));
      if (minor <= 0) throw new Error(t('orders.amountPositive'));
      if (max && minor > toMinor(max.amount)) throw new Error(t('orders.amountAtMost', { max: max.label }));
    },
  };
}

// ---------------------------------------------------------------- a mutation's answer on its form

export interface MutationOutcome {
  error?: CombinedError;
  userErrors: readonly UserError[];
}

// showOnForm puts each userError on the form field it names (when the form has that field) and returns
// the others, to be shown above the form.
export function showOnForm(form: FormInstance, userErrors: readonly UserError[], formFields: string[]): UserError[] {
  const { fields, rest } = fieldErrors(userErrors);
  const onForm = fields.filter((f) => formFields.includes(f.name));
  form.setFields(onForm);
  const shown = new Set(onForm.map((f) => f.name));
  return [...rest, ...userErrors.filter((u) => u.field?.length && !shown.has(u.field.at(-1)!) && u.field.at(-1) !== 'input')];
}

// isConflict: the record changed since it was read (expectedVersion is stale). The API says so as a
// request error with extensions.code CONFLICT; a userError of that code is taken the same way.
export const isConflict = (out: MutationOutcome) =>
  out.userErrors.some((u) => u.code === 'CONFLICT') || !!out.error?.graphQLErrors.some((e) => e.extensions?.code === 'CONFLICT');

export function newKey(): string {
  return crypto.randomUUID();
}

// DeadlineBar: what a record waits for, the live countdown, and what happens when the time passes; red
// once it has passed.
export function DeadlineBar({ at, title, text, testId }: { at: string; title: React.ReactNode; text: React.ReactNode; testId?: string }) {
  const overdue = Date.parse(at) < Date.now();
  return (
    <div className={overdue ? 'tgo-deadline tgo-deadline-overdue' : 'tgo-deadline'} data-testid={testId} role="status">
      <ClockCircleFilled className="tgo-deadline-icon" aria-hidden />
      <div>
        <div className="tgo-deadline-title">
          <span>{title}</span>
          <Countdown at={at} />
        </div>
        <div className="tgo-deadline-text">{text}</div>
      </div>
    </div>
  );
}

// TwoLineTime: an instant as its date over its time (narrow table columns), in the store's time zone.
export function TwoLineTime({ iso, timeZone }: { iso: string | null | undefined; timeZone: string }) {
  const { i18n } = useTranslation();
  if (!iso) return <Typography.Text type="secondary">—</Typography.Text>;
  const locale = intlLocale(i18n.language);
  const d = new Date(iso);
  return (
    <span className="tgo-nowrap">
      {new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone }).format(d)}
      <br />
      <Typography.Text type="secondary" className="tgo-small">
        {new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone }).format(d)}
      </Typography.Text>
    </span>
  );
}
