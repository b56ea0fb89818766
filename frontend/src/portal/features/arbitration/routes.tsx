import { AuditOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PortalRoute } from '../../layout/routes';

export const routes: PortalRoute[] = [
  {
    path: '/admin/arbitration',
    roles: ['ADMIN'],
    page: lazy(() => import('./ArbitrationPage')),
    menu: { label: 'nav.arbitration', icon: <AuditOutlined />, order: 20 },
  },
];
