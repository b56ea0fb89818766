import { lazy } from 'react';
import type { PortalRoute } from '../../layout/routes';

export const routes: PortalRoute[] = [{ path: '/admin/stores/:id', roles: ['ADMIN'], page: lazy(() => import('./StorePage')) }];
