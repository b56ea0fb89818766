import { ModalForm } from '@ant-design/pro-components';
import { App, Button, Form, Typography } from 'antd';
import type { ButtonProps } from 'antd';
import { useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, type UserError } from '../../lib/ApiError';
import { isConflict, newKey, showOnForm, type MutationOutcome } from './shared';

// ActionModal: one action on an order or a case, as a button that opens its own form with what will happen
// (the confirmation), the fields it needs, and the API's refusals shown on their fields. A fresh
// idempotency key is made each time it opens. On success it says so and calls onDone; what changed is
// refetched by the client's cache (a mutation's result invalidates the queries showing its types). A
// CONFLICT (someone changed the record meanwhile) closes it, says so and calls onConflict (reload).
export function ActionModal<V extends Record<string, unknown>>({
  label,
  title,
  okText,
  intro,
  danger,
  primary,
  icon,
  testId,
  fields = [],
  initialValues,
  children,
  submit,
  success,
  onDone,
  onConflict,
  conflictText,
  width = 520,
  buttonProps,
}: {
  label: string;
  title: string;
  okText: string;
  intro?: ReactNode;
  danger?: boolean;
  primary?: boolean;
  icon?: ReactNode;
  testId?: string;
  fields?: string[];
  initialValues?: Partial<V>;
  children?: ReactNode;
  submit: (values: V, idempotencyKey: string) => Promise<MutationOutcome>;
  success: string;
  onDone?: () => void;
  onConflict: () => void;
  conflictText: string;
  width?: number;
  buttonProps?: ButtonProps;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<V>();
  const key = useRef(newKey());
  const [rest, setRest] = useState<{ error?: MutationOutcome['error']; userErrors: UserError[] }>({ userErrors: [] });

  return (
    <ModalForm<V>
      title={title}
      width={width}
      form={form}
      layout="vertical"
      initialValues={initialValues}
      trigger={
        <Button type={primary ? 'primary' : 'default'} danger={danger} icon={icon} data-testid={testId} {...buttonProps}>
          {label}
        </Button>
      }
      onOpenChange={(open) => {
        if (open) {
          key.current = newKey();
          setRest({ userErrors: [] });
        }
      }}
      modalProps={{ destroyOnClose: true, maskClosable: false, okButtonProps: { danger } }}
      submitter={{
        searchConfig: { submitText: okText, resetText: t('common.cancel') },
        submitButtonProps: { danger, 'data-testid': testId ? `${testId}-submit` : undefined } as ButtonProps,
      }}
      onFinish={async (values) => {
        setRest({ userErrors: [] });
        const out = await submit(values, key.current);
        if (isConflict(out)) {
          message.warning(conflictText);
          onConflict();
          return true;
        }
        if (out.error) {
          setRest({ error: out.error, userErrors: [] });
          return false;
        }
        if (out.userErrors.length) {
          setRest({ userErrors: showOnForm(form, out.userErrors, fields) });
          return false;
        }
        message.success(success);
        onDone?.();
        return true;
      }}
    >
      {intro && <Typography.Paragraph type="secondary">{intro}</Typography.Paragraph>}
      {(rest.error || rest.userErrors.length > 0) && (
        <div style={{ marginBottom: 16 }}>
          <ApiError error={rest.error} userErrors={rest.userErrors} />
        </div>
      )}
      {children}
    </ModalForm>
  );
}
