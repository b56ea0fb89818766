import { ShoppingOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PortalRoute } from '../../layout/routes';

export const routes: PortalRoute[] = [
  {
    path: '/orders',
    roles: ['MERCHANT'],
    page: lazy(() => import('./OrdersPage')),
    menu: { label: 'nav.orders', icon: <ShoppingOutlined />, order: 20 },
  },
  // The platform opens the same list (every store's orders) from links; it has no menu entry.
  { path: '/orders', roles: ['ADMIN'], page: lazy(() => import('./OrdersPage')) },
  // One detail page for every role: the buyer reaches it from its own orders (/buyer/orders).
  { path: '/orders/:id', roles: ['MERCHANT', 'ADMIN', 'BUYER'], page: lazy(() => import('./OrderDetailPage')) },
];
