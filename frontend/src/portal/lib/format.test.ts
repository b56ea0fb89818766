import { describe, expect, test } from 'vitest';
import { countdown, formatDate, formatDateTime, formatMoney, formatPercent, sameLocalDay } from './format';

describe('formatMoney', () => {
  test.each([
    ['en', { amount: '1234.50', currencyCode: 'CNY' }, 'CN¥1,234.50'],
    ['zh-Hans', { amount: '1234.50', currencyCode: 'CNY' }, '¥1,234.50'],
    ['zh-Hant', { amount: '1234.5', currencyCode: 'TWD' }, '$1,234.50'],
    ['en', { amount: '-0.05', currencyCode: 'USD' }, '-$0.05'],
    ['en', { amount: '300', currencyCode: 'JPY' }, '¥300'],
  ])('%s %o', (lang, money, want) => {
    expect(formatMoney(money, lang)).toBe(want);
  });

  test('keeps every cent of amounts a float would round', () => {
    expect(formatMoney({ amount: '90071992547409.93', currencyCode: 'USD' }, 'en')).toBe('$90,071,992,547,409.93');
  });

  test('no money is a dash', () => {
    expect(formatMoney(null, 'en')).toBe('—');
  });
});

describe('dates in the store time zone', () => {
  const iso = '2026-03-01T16:30:00Z';
  test.each([
    ['en', 'Asia/Shanghai', 'Mar 2, 2026, 12:30 AM'],
    ['en', 'UTC', 'Mar 1, 2026, 4:30 PM'],
    ['zh-Hans', 'Asia/Shanghai', '2026年3月2日 00:30'],
    ['zh-Hant', 'Asia/Taipei', '2026年3月2日 凌晨12:30'],
  ])('%s in %s', (lang, tz, want) => {
    expect(formatDateTime(iso, lang, tz)).toBe(want);
  });

  test('date only', () => {
    expect(formatDate(iso, 'en', 'Asia/Shanghai')).toBe('Mar 2, 2026');
  });

  test('the same local day depends on the zone', () => {
    const a = Date.parse('2026-03-01T15:00:00Z');
    const b = Date.parse('2026-03-01T17:00:00Z');
    expect(sameLocalDay(a, b, 'UTC')).toBe(true);
    expect(sameLocalDay(a, b, 'Asia/Shanghai')).toBe(false); // 23:00 and 01:00 next day
  });
});

describe('countdown', () => {
  const now = Date.parse('2026-03-01T00:00:00Z');
  test.each([
    ['2026-03-02T03:04:05Z', { overdue: false, days: 1, hours: 3, minutes: 4, seconds: 5 }],
    ['2026-02-28T23:59:00Z', { overdue: true, days: 0, hours: 0, minutes: 1, seconds: 0 }],
    ['2026-03-01T00:00:00Z', { overdue: false, days: 0, hours: 0, minutes: 0, seconds: 0 }],
  ])('to %s', (at, want) => {
    expect(countdown(at, now)).toEqual(want);
  });
});

test('percent with two decimals', () => {
  expect(formatPercent(0.0123, 'en')).toBe('1.23%');
  expect(formatPercent(0, 'zh-Hans')).toBe('0.00%');
});
