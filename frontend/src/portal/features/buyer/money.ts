import { intlLocale } from '../../lib/locale';

// Amounts as the API writes them (decimal strings in the currency's major unit), added and compared
// exactly in minor units, never as floats.

export function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat(intlLocale('en'), { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

// toMinor: "12.5" → 1250n for 2 digits; null when it is not an amount with at most that many decimals.
export function toMinor(amount: string, digits: number): bigint | null {
  const m = /^\s*(\d{1,15})(?:\.(\d*))?\s*$/.exec(amount);
  if (!m) return null;
  const frac = m[2] ?? '';
  if (frac.length > digits && /[^0]/.test(frac.slice(digits))) return null;
  return BigInt(m[1]) * 10n ** BigInt(digits) + BigInt((frac.slice(0, digits) || '0').padEnd(digits, '0'));
}

export function fromMinor(minor: bigint, digits: number): string {
  const neg = minor < 0n;
  const abs = neg ? -minor : minor;
  const base = 10n ** BigInt(digits);
  const int = (abs / base).toString();
  const frac = digits ? '.' + (abs % base).toString().padStart(digits, '0') : '';
  return (neg ? '-' : '') + int + frac;
}
