import { NotificationOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PortalRoute } from '../../layout/routes';

export const routes: PortalRoute[] = [
  {
    path: '/admin/complaints',
    roles: ['ADMIN'],
    page: lazy(() => import('./ComplaintsPage')),
    menu: { label: 'nav.complaints', icon: <NotificationOutlined />, order: 25 },
  },
];
