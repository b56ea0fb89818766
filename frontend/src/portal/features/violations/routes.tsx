import { WarningOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PortalRoute } from '../../layout/routes';

export const routes: PortalRoute[] = [
  {
    path: '/violations',
    roles: ['MERCHANT'],
    page: lazy(() => import('./ViolationsPage')),
    menu: { label: 'nav.violations', icon: <WarningOutlined />, order: 50 },
  },
];
