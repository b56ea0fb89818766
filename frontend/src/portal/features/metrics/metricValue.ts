import { formatPercent } from '../../lib/format';

// How a metric's value reads: rates as percents, the response time in hours, the rating in stars.
export function formatMetricValue(key: string, value: number, lang: string): string {
  if (key === 'responseTime') return `${value.toFixed(1)} h`;
  if (key === 'averageRating') return `${value.toFixed(2)} ★`;
  return formatPercent(value, lang);
}

// Lower is better for every metric but the rating.
export function higherIsBetter(key: string): boolean {
  return key === 'averageRating';
}
