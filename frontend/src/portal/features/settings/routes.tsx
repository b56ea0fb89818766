import { SettingOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PortalRoute } from '../../layout/routes';

export const routes: PortalRoute[] = [
  {
    path: '/settings',
    roles: ['MERCHANT'],
    page: lazy(() => import('./SettingsPage')),
    menu: { label: 'nav.settings', icon: <SettingOutlined />, order: 60 },
  },
];
