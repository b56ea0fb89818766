import { useSyncExternalStore } from 'react';
import { getSession, onSessionChange, type Session } from './session';

let cached: Session | null = getSession();
onSessionChange((s) => {
  cached = s;
});

// useSession: the signed-in session, re-rendering when it changes (sign-in, renewal, sign-out, other tabs).
export function useSession(): Session | null {
  return useSyncExternalStore(
    (cb) => onSessionChange(() => cb()),
    () => cached,
  );
}
