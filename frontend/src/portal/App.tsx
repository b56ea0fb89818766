import { Suspense, lazy, useRef } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import SignIn from './auth/SignIn';
import { signedOutByUser } from './auth/session';
import { useSession } from './auth/useSession';
import { homeFor, routesFor } from './layout/routes';
import NotFound from './lib/NotFound';
import { PageLoading } from './lib/PageLoading';

// The signed-in frame (ProLayout) is its own chunk: the sign-in page does not load it.
const Shell = lazy(() => import('./layout/Shell').then((m) => ({ default: m.Shell })));

// The portal's routes: sign-in, and the signed-in role's pages inside the shell. Without a session every
// page sends to sign-in with ?next= so the user comes back where they were; a session that ends (renewal
// refused, signed out in another tab) does the same with ?expired=1; signing out goes to plain sign-in.
export function App() {
  const session = useSession();
  const location = useLocation();

  // Whether this page had a session: losing it without signing out (renewal refused, signed out in another
  // tab) sends to sign-in with ?expired=1.
  const hadSession = useRef(session !== null);
  if (session) hadSession.current = true;

  if (!session) {
    if (location.pathname === '/signin') return <SignIn />;
    if (signedOutByUser()) return <Navigate to="/signin" replace />;
    // The browser's address, not the router's: a navigation still rendering (a lazy page whose first
    // request found the session gone) has moved the address but not yet the router's location.
    const next = encodeURIComponent(window.location.pathname + window.location.search);
    const expired = hadSession.current ? 'expired=1&' : '';
    return <Navigate to={`/signin?${expired}next=${next}`} replace />;
  }
  return (
    <Suspense fallback={<PageLoading />}>
      <Routes>
        <Route path="/signin" element={<SignIn />} />
        <Route element={<Shell session={session} />}>
          <Route index element={<Navigate to={homeFor(session.role)} replace />} />
          {routesFor(session.role).map((r) => (
            <Route key={r.path} path={r.path} element={<r.page />} />
          ))}
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </Suspense>
  );
}
