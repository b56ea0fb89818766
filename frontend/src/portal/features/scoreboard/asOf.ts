import dayjs from 'dayjs';

// The scoreboard's day lives in the URL as YYYY-MM-DD (absent: now). The API takes an instant: noon UTC of
// that day falls on the same calendar day in every store's time zone from UTC−12 to UTC+11, as the CSV
// export and the score command read a bare date; today (or a day not yet at noon UTC) is now.
export function asOfInstant(day: string | undefined): string | undefined {
  if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  if (day === dayjs().format('YYYY-MM-DD')) return undefined;
  const t = Date.parse(day + 'T12:00:00Z');
  if (Number.isNaN(t) || t > Date.now()) return undefined;
  return new Date(t).toISOString();
}
