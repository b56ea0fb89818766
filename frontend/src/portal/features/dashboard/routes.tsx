import { DashboardOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PortalRoute } from '../../layout/routes';

export const routes: PortalRoute[] = [
  {
    path: '/dashboard',
    roles: ['MERCHANT'],
    page: lazy(() => import('./DashboardPage')),
    menu: { label: 'nav.dashboard', icon: <DashboardOutlined />, order: 10 },
  },
];
