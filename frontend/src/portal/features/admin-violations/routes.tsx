import { ExclamationCircleOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PortalRoute } from '../../layout/routes';

export const routes: PortalRoute[] = [
  {
    path: '/admin/violations',
    roles: ['ADMIN'],
    page: lazy(() => import('./ViolationsPage')),
    menu: { label: 'nav.adminViolations', icon: <ExclamationCircleOutlined />, order: 40 },
  },
];
