import { Alert, Button } from 'antd';
import type { CombinedError } from 'urql';
import { useTranslation } from 'react-i18next';

export interface UserError {
  code: string;
  field?: readonly string[] | null;
  message: string;
}

// ApiError shows what the API said (a request error or userErrors), with the field it concerns; never a
// blank page.
export function ApiError({ error, userErrors, onRetry }: { error?: CombinedError; userErrors?: readonly UserError[]; onRetry?: () => void }) {
  const { t } = useTranslation();
  const items: { message: string; field?: string; code?: string }[] = [];
  if (error) {
    if (error.graphQLErrors.length) {
      for (const e of error.graphQLErrors) {
        items.push({ message: e.message, code: e.extensions?.code as string | undefined, field: (e.extensions?.field as string[] | undefined)?.join('.') });
      }
    } else {
      items.push({ message: error.networkError?.message ?? error.message });
    }
  }
  for (const u of userErrors ?? []) items.push({ message: u.message, code: u.code, field: u.field?.join('.') });
  if (!items.length) return null;
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      message={items.length === 1 ? items[0].message : t('common.error')}
      description={
        <>
          {items.length > 1 && (
            <ul>
              {items.map((i, n) => (
                <li key={n}>{i.message}</li>
              ))}
            </ul>
          )}
          {items.filter((i) => i.field).map((i, n) => (
            <div key={n}>{t('common.field', { field: i.field })}</div>
          ))}
        </>
      }
      action={onRetry && <Button size="small" onClick={onRetry}>{t('common.retry')}</Button>}
    />
  );
}

// fieldErrors turns userErrors into Ant Design form field errors: the last segment of `field` names the
// form item ("input.amount" → amount); errors without a field are returned as rest.
export function fieldErrors(userErrors: readonly UserError[]): { fields: { name: string; errors: string[] }[]; rest: UserError[] } {
  const fields: { name: string; errors: string[] }[] = [];
  const rest: UserError[] = [];
  for (const u of userErrors) {
    const name = u.field?.at(-1);
    if (name && name !== 'input') fields.push({ name, errors: [u.message] });
    else rest.push(u);
  }
  return { fields, rest };
}
