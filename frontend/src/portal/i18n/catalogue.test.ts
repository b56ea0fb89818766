import { expect, test } from 'vitest';
import i18n from './index';

// Every key of English exists in both Chinese catalogues with a non-empty text, and the reverse, for the
// shell and every feature (the types check it at compile time; this checks what is really loaded).
function keys(o: unknown, prefix = ''): string[] {
  return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => (typeof v === 'string' ? [prefix + k] : keys(v, `${prefix}${k}.`)));
}

const en = keys(i18n.getResourceBundle('en', 'translation')).sort();

test.each(['zh-Hans', 'zh-Hant'])('%s has exactly the keys of English, all translated', (lang) => {
  const bundle = i18n.getResourceBundle(lang, 'translation');
  expect(keys(bundle).sort()).toEqual(en);
  for (const k of en) expect(i18n.getFixedT(lang)(k), k).not.toBe('');
});

test('interpolation fills every placeholder in every language', () => {
  for (const lang of ['en', 'zh-Hans', 'zh-Hant']) {
    const text = i18n.getFixedT(lang)('common.overdue', { time: '3h' });
    expect(text).toContain('3h');
    expect(text).not.toContain('{{');
  }
});
