// Signing in for the portal's browser tests (not a test file itself): a fresh context, the sign-in page
// filled and sent as a user would, then the page the test wants. Every test file uses these.
import assert from 'node:assert/strict';
import { BASE_URL, openPage } from './browser.mjs';

export const PASSWORD = 'demo-password';

// signedIn opens /signin in a fresh context (lang: the portal's language, remembered in localStorage),
// signs in as email and waits to land on the role's start page; then goes to path if given.
export async function signedIn(t, browser, email, { path, lang = 'en' } = {}) {
  const opened = await openPage(t, browser, '/signin', { lang });
  const { page } = opened;
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
  // The signed-in frame and the start page finish loading first: going elsewhere mid-load would abort
  // their requests, which the page records as failures.
  await page.getByTestId('account-menu').waitFor();
  await page.waitForLoadState('networkidle');
  if (path) await page.goto(BASE_URL + path);
  return opened;
}

// api calls the GraphQL API directly with the page's session (for setting up data and checking results).
export async function api(page, query, variables) {
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem('tradeguard.session') || 'null')?.accessToken);
  const res = await page.request.post(BASE_URL + '/graphql', {
    headers: token ? { Authorization: 'Bearer ' + token } : {},
    data: { query, variables },
  });
  const body = await res.json();
  assert.equal(body.errors, undefined, `API errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

// apiAs signs in over the API alone (no page) and returns a caller for that account.
export async function apiAs(request, email) {
  const login = await request.post(BASE_URL + '/graphql', {
    data: { query: 'mutation($i: LoginInput!){ login(input:$i){ accessToken userErrors{ message } } }', variables: { i: { email, password: PASSWORD } } },
  });
  const token = (await login.json()).data.login.accessToken;
  assert.ok(token, `sign-in of ${email}`);
  return async (query, variables) => {
    const res = await request.post(BASE_URL + '/graphql', { headers: { Authorization: 'Bearer ' + token }, data: { query, variables } });
    const body = await res.json();
    assert.equal(body.errors, undefined, `API errors: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
}

export function assertNoProblems(problems) {
  assert.deepEqual(problems, [], 'the page had console errors, CSP violations or failed requests');
}
