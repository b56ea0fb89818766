import { expect, test } from 'vitest';
import { initialLang, intlLocale } from './locale';

test.each([
  [null, ['zh-TW'], 'zh-Hant'],
  [null, ['zh-HK', 'en'], 'zh-Hant'],
  [null, ['zh-CN'], 'zh-Hans'],
  [null, ['zh'], 'zh-Hans'],
  [null, ['fr-FR', 'en-GB'], 'en'],
  [null, ['fr-FR'], 'en'],
  ['zh-Hant', ['en-US'], 'zh-Hant'],
  ['klingon', ['zh-CN'], 'zh-Hans'],
])('stored %s, browser %o → %s', (stored, browser, want) => {
  expect(initialLang(stored, browser)).toBe(want);
});

test('Intl locales', () => {
  expect(intlLocale('zh-Hant')).toBe('zh-TW');
  expect(intlLocale('zh-Hans')).toBe('zh-CN');
  expect(intlLocale('en')).toBe('en-US');
  expect(intlLocale('xx')).toBe('en-US');
});
