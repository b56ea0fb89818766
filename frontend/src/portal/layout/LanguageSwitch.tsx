import { Select } from 'antd';
import { GlobalOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { LANGS, rememberLang, type Lang } from '../lib/locale';

// The language switch: applies at once and is remembered for the next visit.
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <Select
      aria-label={t('shell.language')}
      data-testid="language-switch"
      value={i18n.language as Lang}
      suffixIcon={<GlobalOutlined />}
      variant="borderless"
      style={{ width: 130 }}
      options={LANGS.map((l) => ({ value: l.code, label: l.label }))}
      onChange={(lang: Lang) => {
        rememberLang(lang);
        void i18n.changeLanguage(lang);
      }}
    />
  );
}
