import { FlagOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PortalRoute } from '../../layout/routes';

export const routes: PortalRoute[] = [
  {
    path: '/admin/abuse-flags',
    roles: ['ADMIN'],
    page: lazy(() => import('./AbuseFlagsPage')),
    menu: { label: 'nav.abuseFlags', icon: <FlagOutlined />, order: 60 },
  },
];
