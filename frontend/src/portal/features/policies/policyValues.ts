import { intlLocale } from '../../lib/locale';

// How a policy's numbers read and are edited: rates are fractions in the API (0.01) and percents for people
// (1 %), the response time in hours, the rating in stars. The conversion rounds to 12 significant digits so
// that a value goes through the form and back to exactly the number it was (0.0005 → 0.05 → 0.0005).

export type Unit = 'percent' | 'hours' | 'stars';

export function unitOf(metric: string): Unit {
  if (metric === 'responseTime') return 'hours';
  if (metric === 'averageRating') return 'stars';
  return 'percent';
}

const round = (x: number) => Number(x.toPrecision(12));

export function toForm(metric: string, v: number): number {
  return unitOf(metric) === 'percent' ? round(v * 100) : v;
}

export function fromForm(metric: string, v: number): number {
  return unitOf(metric) === 'percent' ? round(v / 100) : v;
}

export function formatPolicyValue(metric: string, v: number, lang: string): string {
  const unit = unitOf(metric);
  const nf = new Intl.NumberFormat(intlLocale(lang), { maximumFractionDigits: 4, minimumFractionDigits: unit === 'percent' ? 2 : 1 });
  if (unit === 'percent') return `${nf.format(round(v * 100))}%`;
  if (unit === 'hours') return `${nf.format(v)} h`;
  return `${nf.format(v)} ★`;
}

export function formatNumber(v: number, lang: string): string {
  return new Intl.NumberFormat(intlLocale(lang), { maximumFractionDigits: 4 }).format(v);
}
