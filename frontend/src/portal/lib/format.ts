import { intlLocale } from './locale';

// Money, dates and countdowns as the reader's language writes them, in the store's time zone.

export interface Money {
  amount: string;
  currencyCode: string;
}

// formatMoney: the amount is a decimal string in the currency's minor units' precision ("1234.50"); it is
// formatted from its digits, never through a float, so large amounts keep every cent.
export function formatMoney(m: Money | null | undefined, lang: string): string {
  if (!m) return '—';
  const nf = new Intl.NumberFormat(intlLocale(lang), { style: 'currency', currency: m.currencyCode });
  const neg = m.amount.startsWith('-');
  const [int, frac = ''] = m.amount.replace(/^[-+]/, '').split('.');
  const digits = nf.resolvedOptions().maximumFractionDigits ?? 2;
  // format(string) keeps full precision (Intl.NumberFormat v3); the string is already exact.
  const exact = `${neg ? '-' : ''}${int}.${(frac + '0'.repeat(digits)).slice(0, digits)}`;
  return nf.format(exact as unknown as number);
}

export function formatDateTime(iso: string | null | undefined, lang: string, timeZone?: string): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(intlLocale(lang), { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
}

export function formatDate(iso: string | null | undefined, lang: string, timeZone?: string): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(intlLocale(lang), { dateStyle: 'medium', timeZone }).format(new Date(iso));
}

// formatPercent: a rate in [0, 1] with two decimals of a percent (0.0123 → "1.23%").
export function formatPercent(rate: number, lang: string): string {
  return new Intl.NumberFormat(intlLocale(lang), { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(rate);
}

export interface Countdown {
  overdue: boolean;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

// countdown from now to at (or since at, when it has passed).
export function countdown(at: string, now: number): Countdown {
  const diff = Date.parse(at) - now;
  const abs = Math.abs(diff);
  return {
    overdue: diff < 0,
    days: Math.floor(abs / 86_400_000),
    hours: Math.floor((abs % 86_400_000) / 3_600_000),
    minutes: Math.floor((abs % 3_600_000) / 60_000),
    seconds: Math.floor((abs % 60_000) / 1000),
  };
}

// sameLocalDay: whether two instants fall on the same calendar day in timeZone (for "due today").
export function sameLocalDay(a: number, b: number, timeZone?: string): boolean {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return f.format(a) === f.format(b);
}
