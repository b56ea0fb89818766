import { CustomerServiceOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PortalRoute } from '../../layout/routes';

export const routes: PortalRoute[] = [
  {
    path: '/cases',
    roles: ['MERCHANT', 'ADMIN'],
    page: lazy(() => import('./CasesPage')),
    menu: { label: 'nav.cases', icon: <CustomerServiceOutlined />, order: 30 },
  },
  // One detail page for every role; its buttons are the case's availableActions for the caller.
  { path: '/cases/:id', roles: ['MERCHANT', 'ADMIN', 'BUYER'], page: lazy(() => import('./CaseDetailPage')) },
];
