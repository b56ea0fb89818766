import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { LockOutlined, MailOutlined } from '@ant-design/icons';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { homeFor } from '../layout/routes';
import { LanguageSwitch } from '../layout/LanguageSwitch';
import { devMode } from '../lib/devMode';
import { signIn, SignInError } from './session';

// The sign-in page. ?next= is where the user was when the session ended; ?expired=1 says why they are here.
export default function SignIn() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onFinish(v: { email: string; password: string }) {
    setBusy(true);
    setError(null);
    try {
      const s = await signIn(v.email, v.password);
      const next = params.get('next');
      // Only a path of this site: ?next= comes from the address bar.
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : homeFor(s.role), { replace: true });
    } catch (e) {
      setError(e instanceof SignInError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="tg-signin">
      <div className="tg-signin-lang">
        <LanguageSwitch />
      </div>
      <Card className="tg-signin-card">
        <div className="tg-signin-brand">
          <img src="/favicon.svg" alt="" width={40} height={40} />
          <div>
            <Typography.Title level={1} style={{ margin: 0, fontSize: 26 }}>
              {t('auth.title')}
            </Typography.Title>
            <Typography.Text type="secondary">{t('auth.subtitle')}</Typography.Text>
          </div>
        </div>
        {params.get('expired') && <Alert type="warning" showIcon message={t('auth.expired')} style={{ marginBottom: 16 }} />}
        {error && <Alert type="error" showIcon role="alert" message={error} style={{ marginBottom: 16 }} data-testid="signin-error" />}
        <Form layout="vertical" onFinish={onFinish} requiredMark={false} initialValues={{ email: '', password: '' }}>
          <Form.Item label={t('auth.email')} name="email" rules={[{ required: true, message: t('auth.emailRequired') }]}>
            <Input id="email" prefix={<MailOutlined />} type="email" autoComplete="username" size="large" />
          </Form.Item>
          <Form.Item label={t('auth.password')} name="password" rules={[{ required: true, message: t('auth.passwordRequired') }]}>
            <Input.Password id="password" prefix={<LockOutlined />} autoComplete="current-password" size="large" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block size="large" loading={busy}>
            {t('auth.submit')}
          </Button>
        </Form>
        {devMode && (
        <div className="tg-signin-demo">
          <Typography.Text type="secondary">{t('auth.demoAccounts')}</Typography.Text>
          <ul>
            <li>{t('auth.demoMerchant')}: owner@lotus-electronics.test</li>
            <li>{t('auth.demoAdmin')}: admin@tradeguard.test</li>
            <li>{t('auth.demoBuyer')}: buyer1@tradeguard.test</li>
          </ul>
          <Typography.Text type="secondary">
            {t('auth.explore')} <a href="/graphiql">GraphiQL</a>
          </Typography.Text>
        </div>
        )}
      </Card>
    </main>
  );
}
