import { StarOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PortalRoute } from '../../layout/routes';

export const routes: PortalRoute[] = [
  {
    path: '/ratings',
    roles: ['MERCHANT'],
    page: lazy(() => import('./RatingsPage')),
    menu: { label: 'nav.ratings', icon: <StarOutlined />, order: 40 },
  },
];
