import { CustomerServiceOutlined, ShoppingOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PortalRoute } from '../../layout/routes';

export const routes: PortalRoute[] = [
  {
    path: '/buyer/orders',
    roles: ['BUYER'],
    page: lazy(() => import('./BuyerOrdersPage')),
    menu: { label: 'nav.myOrders', icon: <ShoppingOutlined />, order: 10 },
  },
  { path: '/buyer/orders/:id/new-case', roles: ['BUYER'], page: lazy(() => import('./NewCasePage')) },
  { path: '/buyer/orders/:id/rate', roles: ['BUYER'], page: lazy(() => import('./RateOrderPage')) },
  {
    path: '/buyer/cases',
    roles: ['BUYER'],
    page: lazy(() => import('./BuyerCasesPage')),
    menu: { label: 'nav.myCases', icon: <CustomerServiceOutlined />, order: 20 },
  },
];
