import { Alert, App, Button, Card, List, Space, Tag, Typography } from 'antd';
import { ExclamationCircleFilled, PoweroffOutlined, UndoOutlined } from '@ant-design/icons';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useMutation } from 'urql';
import { SettingsStoreCloseRequestDocument, SettingsStoreCloseWithdrawDocument, type SettingsStoreQuery } from '../../../gql/graphql';
import { ApiError, type UserError } from '../../lib/ApiError';
import { Countdown } from '../../lib/Countdown';
import { formatDateTime } from '../../lib/format';

type Store = NonNullable<NonNullable<SettingsStoreQuery['viewer']>['store']>;
interface Blocker {
  kind: string;
  id?: string | null;
  label: string;
  status?: string | null;
}

// CloseStoreSection: asking to close the store (refused, with each blocker listed, while orders or cases
// are open; accepted, the store is CLOSING for 48 hours) and withdrawing the request in that time.
export function CloseStoreSection({ store }: { store: Store }) {
  const { t, i18n } = useTranslation();
  const { message, modal } = App.useApp();
  const [requesting, request] = useMutation(SettingsStoreCloseRequestDocument);
  const [withdrawing, withdraw] = useMutation(SettingsStoreCloseWithdrawDocument);
  const [errs, setErrs] = useState<UserError[]>([]);
  const [blockers, setBlockers] = useState<Blocker[]>([]);
  const lang = i18n.language;

  const ask = () =>
    modal.confirm({
      title: t('settings.closeConfirmTitle', { name: store.name }),
      icon: <ExclamationCircleFilled />,
      content: t('settings.closeConfirmText'),
      okText: t('settings.closeConfirmOk'),
      okButtonProps: { danger: true, 'data-testid': 'close-confirm' } as React.ComponentProps<typeof Button>,
      cancelText: t('common.cancel'),
      onOk: async () => {
        setErrs([]);
        setBlockers([]);
        const r = await request({ input: {} });
        const p = r.data?.storeCloseRequest;
        if (!p) return;
        setBlockers(p.blockers);
        if (p.userErrors.length) setErrs(p.userErrors);
        else if (p.store?.status === 'CLOSING') {
          message.success(t('settings.closeRequested'));
        }
      },
    });

  const doWithdraw = async () => {
    setErrs([]);
    const r = await withdraw({ input: {} });
    const p = r.data?.storeCloseWithdraw;
    if (!p) return;
    if (p.userErrors.length) setErrs(p.userErrors);
    else {
      message.success(t('settings.closeWithdrawn'));
      setBlockers([]);
    }
  };

  return (
    <Card className="tgs-card tgs-danger-zone" type="inner" title={t('settings.closeTitle')} data-testid="close-store">
      <Space direction="vertical" size={14} style={{ width: '100%' }}>
        <Typography.Paragraph style={{ margin: 0 }}>{t('settings.closeIntro')}</Typography.Paragraph>
        <ApiError error={requesting.error ?? withdrawing.error} userErrors={errs} />
        {blockers.length > 0 && (
          <Card size="small" title={t('settings.blockersTitle', { count: blockers.filter((b) => b.kind !== 'MORE').length })} data-testid="close-blockers">
            <List
              size="small"
              dataSource={blockers}
              renderItem={(b) => (
                <List.Item data-testid="close-blocker" data-kind={b.kind}>
                  <Space>
                    <Tag color={b.kind === 'CASE' ? 'purple' : 'orange'}>{t(`settings.blockerKind.${b.kind === 'CASE' || b.kind === 'ORDER' ? b.kind : 'MORE'}`)}</Tag>
                    {b.kind === 'MORE' ? (
                      <Typography.Text type="secondary">{t('settings.blockersMore', { label: b.label })}</Typography.Text>
                    ) : b.id ? (
                      <Link to={b.kind === 'CASE' ? `/cases/${encodeURIComponent(b.id)}` : `/orders/${encodeURIComponent(b.id)}`} className="tg-mono">
                        {b.label}
                      </Link>
                    ) : (
                      <span className="tg-mono">{b.label}</span>
                    )}
                    {b.status && (
                      <Typography.Text type="secondary">
                        {b.kind === 'CASE' ? t(`enums.AfterSalesCaseStatus.${b.status}`, { defaultValue: b.status }) : t(`enums.OrderStatus.${b.status}`, { defaultValue: b.status })}
                      </Typography.Text>
                    )}
                  </Space>
                </List.Item>
              )}
            />
          </Card>
        )}
        {store.status === 'ACTIVE' && (
          <Button danger icon={<PoweroffOutlined />} onClick={ask} loading={requesting.fetching} data-testid="close-request">
            {t('settings.closeRequest')}
          </Button>
        )}
        {store.status === 'CLOSING' && store.closesAt && (
          <Alert
            type="warning"
            showIcon
            message={
              <Space wrap>
                <span>{t('settings.closingAt', { time: formatDateTime(store.closesAt, lang, store.timeZone) })}</span>
                <Countdown at={store.closesAt} />
              </Space>
            }
            description={t('settings.closingText')}
            action={
              <Button icon={<UndoOutlined />} onClick={doWithdraw} loading={withdrawing.fetching} data-testid="close-withdraw">
                {t('settings.closeWithdraw')}
              </Button>
            }
          />
        )}
        {store.status === 'CLOSED' && <Alert type="info" showIcon message={t('settings.closedAt', { time: formatDateTime(store.closedAt, lang, store.timeZone) })} />}
        {store.status === 'SUSPENDED' && <Alert type="error" showIcon message={t('settings.suspended')} />}
      </Space>
    </Card>
  );
}


