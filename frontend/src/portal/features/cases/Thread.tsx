import { App, Avatar, Button, Empty, Form, Input, Typography } from 'antd';
import { CustomerServiceOutlined, SafetyCertificateOutlined, ShopOutlined, UserOutlined, SendOutlined } from '@ant-design/icons';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation } from 'urql';
import { CasesMessagePostDocument, type CasesDetailFragment } from '../../../gql/graphql';
import { useSession } from '../../auth/useSession';
import { ApiError, type UserError } from '../../lib/ApiError';
import { formatDateTime } from '../../lib/format';
import { showOnForm } from '../orders/shared';

const avatar: Record<string, { icon: React.ReactNode; color: string }> = {
  BUYER: { icon: <UserOutlined />, color: '#1677ff' },
  MERCHANT: { icon: <ShopOutlined />, color: '#ff5000' },
  ADMIN: { icon: <SafetyCertificateOutlined />, color: '#722ed1' },
  SYSTEM: { icon: <CustomerServiceOutlined />, color: '#8c8c8c' },
};

// The thread between the buyer, the store and the platform, oldest first; the caller's own messages on the
// right. Bodies are shown exactly as written, as text. The post box is closed with the case.
export function Thread({ c }: { c: CasesDetailFragment }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const session = useSession()!;
  const [form] = Form.useForm<{ body: string }>();
  const [, post] = useMutation(CasesMessagePostDocument);
  const [sending, setSending] = useState(false);
  const [rest, setRest] = useState<{ error?: Parameters<typeof ApiError>[0]['error']; userErrors?: UserError[] }>({});
  const end = useRef<HTMLDivElement>(null);
  const mine = session.role;

  useEffect(() => {
    const el = end.current?.parentElement;
    if (el) el.scrollTop = el.scrollHeight;
  }, [c.messages.length]);

  const send = async ({ body }: { body: string }) => {
    setRest({});
    setSending(true);
    const r = await post({ input: { caseId: c.id, body } });
    setSending(false);
    const errs = r.data?.caseMessagePost.userErrors ?? [];
    if (r.error) return setRest({ error: r.error });
    if (errs.length) return setRest({ userErrors: showOnForm(form, errs, ['body']) });
    form.resetFields();
    message.success(t('cases.messageSent'));
  };

  return (
    <>
      <div className="tgo-thread" data-testid="case-thread">
        {c.messages.length === 0 && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('cases.noMessages')} />}
        {c.messages.map((m) => {
          const a = avatar[m.author] ?? avatar.SYSTEM;
          return (
            <div key={m.id} className={m.author === mine ? 'tgo-msg tgo-msg-mine' : 'tgo-msg'} data-testid="case-message">
              <Avatar size={32} icon={a.icon} style={{ backgroundColor: a.color, flex: 'none' }} aria-hidden />
              <div className="tgo-msg-bubble">
                <div className="tgo-msg-meta">
                  <Typography.Text strong className="tgo-small">
                    {t(`enums.OrderActor.${m.author}`)}
                  </Typography.Text>{' '}
                  · {formatDateTime(m.createdAt, i18n.language, c.store.timeZone)}
                </div>
                <p className="tgo-msg-body">{m.body}</p>
              </div>
            </div>
          );
        })}
        <div ref={end} />
      </div>
      {c.closedAt ? (
        <Typography.Text type="secondary">{t('cases.threadClosed')}</Typography.Text>
      ) : (
        <Form form={form} layout="vertical" onFinish={send} requiredMark={false}>
          <ApiError error={rest.error} userErrors={rest.userErrors} />
          <Form.Item
            name="body"
            label={t('cases.newMessage')}
            rules={[
              { required: true, whitespace: true, message: t('cases.messageRequired') },
              { max: 2000, message: t('cases.tooLong', { max: 2000 }) },
            ]}
            style={{ marginBottom: 8 }}
          >
            <Input.TextArea rows={3} showCount maxLength={2000} placeholder={t('cases.messagePlaceholder')} data-testid="message-body" />
          </Form.Item>
          <Button type="primary" htmlType="submit" icon={<SendOutlined />} loading={sending} data-testid="message-send">
            {t('cases.send')}
          </Button>
        </Form>
      )}
    </>
  );
}
