import type { ComponentType, LazyExoticComponent, ReactNode } from 'react';
import type { Role } from '../auth/session';

// A page of the portal. Each feature lists its own in features/<area>/routes.tsx (`export const routes`),
// with its component loaded lazily so every page is its own chunk; the shell (App.tsx) gathers them,
// keeps the ones the signed-in role may open and builds the menu from those with `menu`.
export interface PortalRoute {
  path: string;
  roles: Role[];
  page: LazyExoticComponent<ComponentType>;
  // In the side menu: the i18n key of its label, its icon, and its place (lower first).
  menu?: { label: string; icon: ReactNode; order: number };
}

const modules = import.meta.glob<{ routes: PortalRoute[] }>('../features/*/routes.tsx', { eager: true });

export const allRoutes: PortalRoute[] = Object.values(modules).flatMap((m) => m.routes);

export function routesFor(role: Role): PortalRoute[] {
  return allRoutes.filter((r) => r.roles.includes(role));
}

// homeFor: where each role lands after signing in.
export function homeFor(role: Role): string {
  return { MERCHANT: '/dashboard', ADMIN: '/admin/scoreboard', BUYER: '/buyer/orders' }[role];
}
