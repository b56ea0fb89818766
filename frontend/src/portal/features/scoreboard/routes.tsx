import { TrophyOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PortalRoute } from '../../layout/routes';

export const routes: PortalRoute[] = [
  {
    path: '/admin/scoreboard',
    roles: ['ADMIN'],
    page: lazy(() => import('./ScoreboardPage')),
    menu: { label: 'nav.scoreboard', icon: <TrophyOutlined />, order: 10 },
  },
];
