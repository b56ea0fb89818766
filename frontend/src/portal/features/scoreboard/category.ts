import { useTranslation } from 'react-i18next';

// A store's main category in the reader's language (the API gives its code); a code the portal does not
// know yet shows as it is.
export function useCategoryLabel() {
  const { t, i18n } = useTranslation();
  return (code: string) => (i18n.exists(`scoreboard.category.${code}`) ? t(`scoreboard.category.${code}`) : code);
}
