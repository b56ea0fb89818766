import { expiresSoon, getSession, renew } from '../../auth/session';

// downloadWithToken fetches a file the API serves only to a signed-in caller (the bearer token goes in the
// Authorization header, never in the URL) and saves it as a download. A token about to expire, or refused,
// is renewed once first. Throws with the server's message when it refuses.
export async function downloadWithToken(url: string, fallbackName: string): Promise<string> {
  let s = getSession();
  if (s && expiresSoon(s)) s = await renew();
  const get = (token?: string) => fetch(url, { headers: token ? { Authorization: 'Bearer ' + token } : {}, cache: 'no-store' });
  let res = await get(s?.accessToken);
  if (res.status === 401) {
    s = await renew();
    if (s) res = await get(s.accessToken);
  }
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    try {
      const body = (await res.json()) as { errors?: { message: string }[]; message?: string };
      message = body.errors?.[0]?.message ?? body.message ?? message;
    } catch {
      // not JSON: keep the status
    }
    throw new Error(message);
  }
  const name = /filename="?([^";]+)"?/.exec(res.headers.get('Content-Disposition') ?? '')?.[1] ?? fallbackName;
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
  return name;
}
