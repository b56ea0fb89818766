import { postGraphQL } from '../api/http';

// The signed-in session: the token pair from login or tokenRefresh and who the caller is. Kept in
// localStorage so a reload or a second tab stays signed in; the refresh token is single use, so tabs share
// one copy and whoever renews first writes the new pair for all (the storage event).

export type Role = 'BUYER' | 'MERCHANT' | 'ADMIN';

export interface Session {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
  role: Role;
  email: string;
  displayName: string;
  staffRole: string | null;
  store: { id: string; name: string; timeZone: string; currencyCode: string } | null;
}

const KEY = 'tradeguard.session';
const listeners = new Set<(s: Session | null) => void>();

export function getSession(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

// signedOutHere: the session ended because the user signed out in this tab (not expired, not revoked).
let signedOutHere = false;

export function signedOutByUser(): boolean {
  return signedOutHere;
}

export function setSession(s: Session | null) {
  if (s) signedOutHere = false;
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
  listeners.forEach((l) => l(s));
}

export function onSessionChange(l: (s: Session | null) => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

window.addEventListener('storage', (e) => {
  if (e.key === KEY) listeners.forEach((l) => l(getSession()));
});

interface TokenPair {
  accessToken: string | null;
  accessTokenExpiresAt: string | null;
  refreshToken: string | null;
  refreshTokenExpiresAt: string | null;
  userErrors: { code: string; field: string[] | null; message: string }[];
}

const PAIR = 'accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt userErrors { code field message }';
const VIEWER = 'query Viewer { viewer { role staffRole email displayName store { id name timeZone currencyCode } } }';

export class SignInError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

// signIn: login, then who the caller is. Refusals come back as SignInError with the API's own message.
export async function signIn(email: string, password: string): Promise<Session> {
  const r = await postGraphQL<{ login: TokenPair }>(`mutation Login($i: LoginInput!) { login(input: $i) { ${PAIR} } }`, {
    i: { email, password },
  });
  const p = r.data?.login;
  if (!p?.accessToken) {
    const e = p?.userErrors[0];
    throw new SignInError(e?.message ?? r.errors?.[0]?.message ?? 'sign-in failed', e?.code ?? 'ERROR');
  }
  const s = await withViewer(p);
  setSession(s);
  return s;
}

async function withViewer(p: TokenPair): Promise<Session> {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + p.accessToken },
    body: JSON.stringify({ query: VIEWER }),
  });
  const v = ((await res.json()) as { data?: { viewer: Omit<Session, keyof TokenPair> } }).data?.viewer;
  if (!v) throw new SignInError('could not read the signed-in account', 'ERROR');
  return {
    accessToken: p.accessToken!,
    accessTokenExpiresAt: p.accessTokenExpiresAt!,
    refreshToken: p.refreshToken!,
    refreshTokenExpiresAt: p.refreshTokenExpiresAt!,
    role: v.role,
    email: v.email,
    displayName: v.displayName,
    staffRole: v.staffRole,
    store: v.store,
  };
}

let renewing: Promise<Session | null> | null = null;

// renew trades the refresh token for a new pair, once at a time however many requests ask; null (and the
// session cleared) when the refresh token is spent, revoked or expired: the caller must sign in again.
export function renew(): Promise<Session | null> {
  renewing ??= renewOnce().finally(() => {
    renewing = null;
  });
  return renewing;
}

async function renewOnce(): Promise<Session | null> {
  const s = getSession();
  if (!s) return null;
  const r = await postGraphQL<{ tokenRefresh: TokenPair }>(
    `mutation TokenRefresh($i: TokenRefreshInput!) { tokenRefresh(input: $i) { ${PAIR} } }`,
    { i: { refreshToken: s.refreshToken } },
  );
  const p = r.data?.tokenRefresh;
  if (!p?.accessToken) {
    // Another tab may have renewed with the same refresh token first: its pair is in storage.
    const now = getSession();
    if (now && now.refreshToken !== s.refreshToken) return now;
    setSession(null);
    return null;
  }
  const next: Session = {
    ...s,
    accessToken: p.accessToken,
    accessTokenExpiresAt: p.accessTokenExpiresAt!,
    refreshToken: p.refreshToken!,
    refreshTokenExpiresAt: p.refreshTokenExpiresAt!,
  };
  setSession(next);
  return next;
}

// signOut revokes the refresh token (and every token rotated from it) and forgets the session.
export async function signOut() {
  const s = getSession();
  signedOutHere = true;
  setSession(null);
  if (s) {
    await postGraphQL('mutation TokenRevoke($i: TokenRevokeInput!) { tokenRevoke(input: $i) { userErrors { code } } }', {
      i: { refreshToken: s.refreshToken },
    }).catch(() => undefined);
  }
}

// expiresSoon: renew before sending rather than have the request refused.
export function expiresSoon(s: Session, marginMs = 20_000): boolean {
  return Date.parse(s.accessTokenExpiresAt) - Date.now() < marginMs;
}
