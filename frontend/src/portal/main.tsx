import { styleNonce } from './lib/styleNonce';
import '@ant-design/v5-patch-for-react-19';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import zhTW from 'antd/locale/zh_TW';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import 'dayjs/locale/zh-tw';
import { I18nextProvider, useTranslation } from 'react-i18next';
import { BrowserRouter } from 'react-router';
import { Provider as UrqlProvider } from 'urql';
import { createClient } from './api/client';
import { App } from './App';
import i18n from './i18n';
import './portal.css';

const antdLocales = { en: enUS, 'zh-Hans': zhCN, 'zh-Hant': zhTW };
const dayjsLocales = { en: 'en', 'zh-Hans': 'zh-cn', 'zh-Hant': 'zh-tw' };

function Root() {
  const { i18n: i } = useTranslation();
  const lang = (i.language as keyof typeof antdLocales) in antdLocales ? (i.language as keyof typeof antdLocales) : 'en';
  dayjs.locale(dayjsLocales[lang]);
  document.documentElement.lang = lang;
  return (
    <ConfigProvider csp={{ nonce: styleNonce }} locale={antdLocales[lang]} theme={theme}>
      <AntApp>
        <App />
      </AntApp>
    </ConfigProvider>
  );
}

// Taobao's orange, darkened with the status colours and secondary text until every text meets WCAG AA
// contrast (4.5:1) on white; the browser tests check it with axe-core.
const theme = {
  token: {
    colorPrimary: '#cc4100',
    colorSuccess: '#237804',
    colorError: '#cf1322',
    colorWarning: '#ad4e00',
    colorInfo: '#0958d9',
    colorTextSecondary: 'rgba(0, 0, 0, 0.65)',
    colorTextDescription: 'rgba(0, 0, 0, 0.6)',
    colorTextTertiary: 'rgba(0, 0, 0, 0.6)',
    colorTextPlaceholder: 'rgba(0, 0, 0, 0.55)',
    borderRadius: 6,
  },
};

const client = createClient();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nextProvider i18n={i18n}>
      <UrqlProvider value={client}>
        <BrowserRouter>
          <Root />
        </BrowserRouter>
      </UrqlProvider>
    </I18nextProvider>
  </StrictMode>,
);
