import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { initialLang, type Lang } from '../lib/locale';
import { core } from './core';
import type { FeatureMessages } from './types';

// One catalogue per language: the shell's (core.ts) and each feature's own messages.ts, under the feature's
// folder name (features/orders/messages.ts → t('orders.…')). Keys nobody translated are recorded in
// window.__tgMissingKeys, which the browser tests read, and shown as the key itself.
const features = import.meta.glob<{ messages: FeatureMessages<object> }>('../features/*/messages.ts', { eager: true });

function catalogue(lang: Lang): Record<string, unknown> {
  const out: Record<string, unknown> = { ...core[lang] };
  for (const [path, mod] of Object.entries(features)) {
    const ns = path.split('/').at(-2)!;
    out[ns] = mod.messages[lang];
  }
  return out;
}

declare global {
  interface Window {
    __tgMissingKeys?: string[];
  }
}

void i18n.use(initReactI18next).init({
  lng: initialLang(),
  fallbackLng: false,
  resources: {
    en: { translation: catalogue('en') },
    'zh-Hans': { translation: catalogue('zh-Hans') },
    'zh-Hant': { translation: catalogue('zh-Hant') },
  },
  interpolation: { escapeValue: false }, // React escapes
  saveMissing: true,
  missingKeyHandler: (_lngs, _ns, key) => {
    (window.__tgMissingKeys ??= []).push(key);
  },
  returnNull: false,
  showSupportNotice: false,
});

export default i18n;
