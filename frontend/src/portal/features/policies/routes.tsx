import { ControlOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PortalRoute } from '../../layout/routes';

export const routes: PortalRoute[] = [
  {
    path: '/admin/policies',
    roles: ['ADMIN'],
    page: lazy(() => import('./PoliciesPage')),
    menu: { label: 'nav.policies', icon: <ControlOutlined />, order: 50 },
  },
];
