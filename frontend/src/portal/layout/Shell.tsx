import { ProLayout } from '@ant-design/pro-components';
import { Button, Dropdown, Space, Typography } from 'antd';
import { ApiOutlined, LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { signOut, type Session } from '../auth/session';
import { devMode } from '../lib/devMode';
import { PageLoading } from '../lib/PageLoading';
import { LanguageSwitch } from './LanguageSwitch';
import { routesFor } from './routes';

// The signed-in frame: the side menu of what the role may open, the store or platform it works for, the
// language switch and sign-out.
export function Shell({ session }: { session: Session }) {
  const { t } = useTranslation();
  const location = useLocation();
  const navigate = useNavigate();
  const menu = routesFor(session.role)
    .filter((r) => r.menu)
    .sort((a, b) => a.menu!.order - b.menu!.order)
    .map((r) => ({ path: r.path, name: t(r.menu!.label), icon: r.menu!.icon }));

  return (
    <ProLayout
      title={t('app.name')}
      logo={<img src="/favicon.svg" alt="" />}
      layout="mix"
      fixSiderbar
      location={{ pathname: location.pathname }}
      route={{ path: '/', routes: menu }}
      menuItemRender={(item, dom) => <Link to={item.path ?? '/'}>{dom}</Link>}
      onMenuHeaderClick={() => navigate('/')}
      actionsRender={() => [
        devMode ? (
          <a key="graphiql" href="/graphiql" title="GraphiQL">
            <ApiOutlined />
          </a>
        ) : null,
        <LanguageSwitch key="lang" />,
      ]}
      avatarProps={{
        icon: <UserOutlined />,
        size: 'small',
        title: (
          <Space size={4} data-testid="signed-in-as">
            <Typography.Text>{session.displayName}</Typography.Text>
            {/* Buyers work for no store and are not platform staff: their name alone. */}
            {session.role !== 'BUYER' && (
              <Typography.Text type="secondary">· {session.store?.name ?? t('shell.platform')}</Typography.Text>
            )}
          </Space>
        ),
        render: (_, dom) => (
          <Dropdown
            menu={{
              items: [{ key: 'out', icon: <LogoutOutlined />, label: t('shell.signOut') }],
              // The app sends to sign-in as soon as the session is gone.
              onClick: () => void signOut(),
            }}
          >
            <Button type="text" data-testid="account-menu">
              {dom}
            </Button>
          </Dropdown>
        ),
      }}
      token={{ header: { colorBgHeader: '#fff' } }}
    >
      <Suspense fallback={<PageLoading />}>
        <Outlet />
      </Suspense>
    </ProLayout>
  );
}
