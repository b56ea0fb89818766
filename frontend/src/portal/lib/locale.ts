// The portal's three languages and what each means for Intl formatting, Ant Design and dayjs.

export type Lang = 'zh-Hant' | 'zh-Hans' | 'en';

export const LANGS: { code: Lang; label: string; intl: string }[] = [
  { code: 'zh-Hant', label: '繁體中文', intl: 'zh-TW' },
  { code: 'zh-Hans', label: '简体中文', intl: 'zh-CN' },
  { code: 'en', label: 'English', intl: 'en-US' },
];

const STORAGE_KEY = 'tradeguard.lang';

export function intlLocale(lang: string): string {
  return LANGS.find((l) => l.code === lang)?.intl ?? 'en-US';
}

// initialLang: the one chosen before, else the browser's (Taiwan, Hong Kong and Macau read Traditional).
export function initialLang(stored = safeGet(STORAGE_KEY), browser = navigator.languages ?? [navigator.language]): Lang {
  if (stored && LANGS.some((l) => l.code === stored)) return stored as Lang;
  for (const b of browser) {
    const l = b.toLowerCase();
    if (/^zh-(tw|hk|mo|hant)/.test(l)) return 'zh-Hant';
    if (l.startsWith('zh')) return 'zh-Hans';
    if (l.startsWith('en')) return 'en';
  }
  return 'en';
}

export function rememberLang(lang: Lang) {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // private mode: the choice lasts for this page only
  }
}

function safeGet(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
