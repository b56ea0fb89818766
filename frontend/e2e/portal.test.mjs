// Browser tests of the portal's shell, run by scripts/e2e.sh (make e2e) against a server with the demo data:
// sign-in and sign-out, where a session that ends sends the user and where it brings them back, silent
// renewal, the language switch, the merchant dashboard against the API's own numbers, accessibility and
// first paint. playwright-core drives the machine's chromium (browser.mjs); node's test runner.
// Environment: BASE_URL (the server), CHROMIUM (browser binary), E2E_ARTIFACTS (where screenshots go).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot } from './artifacts.mjs';
import { BASE_URL, launch, openPage } from './browser.mjs';
import { seriousViolations } from './axe.mjs';
import { PASSWORD, api, assertNoProblems, signedIn } from './session.mjs';

const OWNER = 'owner@lotus-electronics.test';
const LANGS = ['en', 'zh-Hans', 'zh-Hant'];

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

const DASHBOARD = `query { viewer { store { name
  score { score level policyVersion whatIf { metric points } }
  metrics { ordersLast30Days dissatisfactionRate { rate numerator denominator status } lateShipmentRate { rate numerator denominator status } }
  penalties(inForceOnly: true) { id } } }
  afterSalesCases(first: 50, filter: { openOnly: true }) { totalCount } }`;

describe('portal shell', () => {
  test('a page opened without a session goes to sign-in and back to that page after it', async (t) => {
    const { page, problems, res } = await openPage(t, browser, '/cases?openOnly=1');
    assert.equal(res.status(), 200, 'a client-side route is served the portal');
    await page.waitForURL((u) => u.pathname === '/signin');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/cases?openOnly=1');
    assert.equal(await page.title(), 'tradeguard');
    await page.locator('#email').waitFor();
    // Every control of the form has its label.
    assert.equal(await page.getByLabel('E-mail').count(), 1);
    assert.equal(await page.getByLabel('Password').count(), 1);
    await page.fill('#email', OWNER);
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL((u) => u.pathname === '/cases');
    assert.equal(new URL(page.url()).search, '?openOnly=1');
    assertNoProblems(problems);
  });

  test('a wrong password shows the API\'s own message and signs nobody in', async (t) => {
    const { page, problems } = await openPage(t, browser, '/signin');
    const direct = await page.request.post(BASE_URL + '/graphql', {
      data: { query: 'mutation($i: LoginInput!){ login(input:$i){ accessToken userErrors{ code message } } }', variables: { i: { email: OWNER, password: 'not-the-password' } } },
    });
    const want = (await direct.json()).data.login.userErrors[0].message;
    assert.ok(want, 'the API refuses with a message');
    await page.fill('#email', OWNER);
    await page.fill('#password', 'not-the-password');
    await page.click('button[type=submit]');
    const shown = page.getByTestId('signin-error');
    await shown.waitFor();
    assert.equal((await shown.textContent()).trim(), want);
    assert.equal(new URL(page.url()).pathname, '/signin');
    assert.equal(await page.evaluate(() => localStorage.getItem('tradeguard.session')), null);
    assertNoProblems(problems);
  });

  test('each role lands on its own start page, and the menu holds only its pages', async (t) => {
    for (const [email, home, absent] of [
      [OWNER, '/dashboard', 'Scoreboard'],
      ['admin@tradeguard.test', '/admin/scoreboard', 'Dashboard'],
      ['buyer1@tradeguard.test', '/buyer/orders', 'Scoreboard'],
    ]) {
      const { page, problems } = await signedIn(t, browser, email);
      assert.equal(new URL(page.url()).pathname, home, email);
      const menu = await page.locator('.ant-pro-sider-menu, .ant-menu').first().innerText();
      assert.ok(!menu.includes(absent), `${email}'s menu has no ${absent}: ${menu}`);
      await page.waitForLoadState('networkidle');
      assertNoProblems(problems);
    }
  });

  test('the merchant dashboard shows the API\'s score, level, metrics and queues', async (t) => {
    const { page, problems } = await signedIn(t, browser, OWNER);
    const want = (await api(page, DASHBOARD)).viewer.store;
    const open = (await api(page, DASHBOARD)).afterSalesCases.totalCount;
    await page.getByTestId('score-value').waitFor();
    assert.equal((await page.getByTestId('score-value').innerText()).trim(), want.score.score.toFixed(1));
    assert.equal((await page.getByTestId('score-level').innerText()).trim(), want.score.level);
    const card = page.getByTestId('metric-dissatisfactionRate');
    const text = await card.innerText();
    assert.ok(text.includes(`${want.metrics.dissatisfactionRate.numerator} of ${want.metrics.dissatisfactionRate.denominator} orders`), text);
    assert.ok(text.includes(`${(want.metrics.dissatisfactionRate.rate * 100).toFixed(2)}%`), text);
    const late = await page.getByTestId('metric-lateShipmentRate').innerText();
    assert.ok(late.includes(`${(want.metrics.lateShipmentRate.rate * 100).toFixed(2)}%`), late);
    assert.ok((await page.getByTestId('due-today').innerText()).includes(`${open} open`), 'the open-case count');
    // The what-if lists the metrics that would gain, biggest first, as the API ranks them.
    const gains = want.score.whatIf.filter((w) => w.points > 0);
    assert.equal(await page.getByTestId('what-if').locator('.ant-list-item').count(), gains.length);
    // A rate's drill-down lists the orders the API counts.
    await page.getByTestId('metric-open-lateShipmentRate').click();
    const drawer = page.getByTestId('metric-orders');
    // The table shows an empty placeholder row until its query answers: wait for the last row expected.
    const expected = Math.min(20, want.metrics.lateShipmentRate.numerator);
    assert.ok(expected > 0, 'the demo store has late shipments to drill into');
    await drawer.locator('tbody tr.ant-table-row').nth(expected - 1).waitFor();
    const rows = await drawer.locator('tbody tr.ant-table-row').count();
    assert.equal(rows, expected, 'drill-down rows');
    assertNoProblems(problems);
  });

  test('a reload keeps the page and the session', async (t) => {
    const { page, problems } = await signedIn(t, browser, OWNER, { path: '/dashboard' });
    await page.getByTestId('score-value').waitFor();
    await page.waitForLoadState('networkidle'); // a reload mid-request would abort it (a failed request)
    await page.reload();
    await page.getByTestId('score-value').waitFor();
    assert.equal(new URL(page.url()).pathname, '/dashboard');
    assertNoProblems(problems);
  });

  test('queries go as persisted-query hashes, and alone once the server knows their text', async (t) => {
    const { page, problems } = await signedIn(t, browser, OWNER, { path: '/dashboard' });
    await page.getByTestId('score-value').waitFor();
    await page.waitForLoadState('networkidle');
    const bodies = [];
    page.on('request', (r) => {
      if (!r.url().endsWith('/graphql') || r.method() !== 'POST') return;
      try {
        bodies.push(JSON.parse(r.postData() ?? ''));
      } catch {
        // a multipart upload: not a query
      }
    });
    await page.reload();
    await page.getByTestId('score-value').waitFor();
    await page.waitForLoadState('networkidle');
    const persisted = bodies.filter((b) => b.extensions?.persistedQuery);
    assert.ok(persisted.length > 0, `no persisted query among ${bodies.length} requests`);
    for (const b of persisted) assert.match(b.extensions.persistedQuery.sha256Hash, /^[0-9a-f]{64}$/);
    // The dashboard's queries were sent (with their text) before the reload: now their hashes suffice.
    assert.ok(persisted.some((b) => b.query === undefined), 'every query still carried its text');
    assertNoProblems(problems);
  });

  test('an expired access token is renewed silently with the refresh token', async (t) => {
    const { page, problems } = await signedIn(t, browser, OWNER, { path: '/dashboard' });
    await page.getByTestId('score-value').waitFor();
    const before = await page.evaluate(() => JSON.parse(localStorage.getItem('tradeguard.session')));
    // Its clock says it has expired: renewed before the next request is sent.
    await page.evaluate(() => {
      const s = JSON.parse(localStorage.getItem('tradeguard.session'));
      s.accessTokenExpiresAt = new Date(Date.now() - 1000).toISOString();
      localStorage.setItem('tradeguard.session', JSON.stringify(s));
    });
    await page.getByRole('link', { name: 'Orders' }).first().click();
    await page.waitForURL((u) => u.pathname === '/orders');
    await page.waitForFunction((old) => JSON.parse(localStorage.getItem('tradeguard.session')).refreshToken !== old, before.refreshToken);
    await page.locator('.ant-table-tbody tr.ant-table-row').first().waitFor();
    await page.waitForLoadState('networkidle');
    const renewed = problems.length;
    // The server refuses it although its clock does not say so: renewed and sent again.
    await page.evaluate(() => {
      const s = JSON.parse(localStorage.getItem('tradeguard.session'));
      s.accessToken = s.accessToken.slice(0, -4) + 'AAAA';
      localStorage.setItem('tradeguard.session', JSON.stringify(s));
    });
    const mid = await page.evaluate(() => JSON.parse(localStorage.getItem('tradeguard.session')).refreshToken);
    const sent = [];
    page.on('response', (r) => r.url().includes('/graphql') && sent.push(`${r.status()} ${r.request().method()} ${(r.request().postData() ?? r.url()).slice(0, 80)}`));
    // A page not visited yet, so its queries are not in urql's cache and must go to the server.
    await page.getByRole('link', { name: 'Ratings' }).first().click();
    await page.getByTestId('ratings-total').waitFor();
    await page.waitForFunction((old) => JSON.parse(localStorage.getItem('tradeguard.session')).refreshToken !== old, mid).catch((e) => {
      throw new Error(`no renewal after the refused token; answers since: ${sent.join(' | ')}; problems: ${problems.slice(renewed).join('; ')}`, { cause: e });
    });
    assert.equal(new URL(page.url()).pathname, '/ratings');
    // The first renewal happened before anything was sent: nothing failed on the way.
    assertNoProblems(problems.slice(0, renewed));
    // Then each request the server refused was answered 401 once (the browser logs each), and sent again
    // after the one renewal; nothing else failed.
    const refused = problems.slice(renewed).filter((p) => p.startsWith('HTTP 401: '));
    assert.ok(refused.length >= 1, 'the tampered token was refused');
    assert.equal(new Set(refused).size, refused.length, `a request was refused twice:\n${refused.join('\n')}`);
    assertNoProblems(problems.slice(renewed).filter((p) => !p.startsWith('HTTP 401: ') && !p.includes('status of 401 (Unauthorized)')));
  });

  test('a session that cannot be renewed returns to sign-in and then to the same page', async (t) => {
    const { page, problems } = await signedIn(t, browser, OWNER, { path: '/dashboard' });
    await page.getByTestId('score-value').waitFor();
    // Revoke the refresh token behind the page's back and let the access token lapse.
    const s = await page.evaluate(() => JSON.parse(localStorage.getItem('tradeguard.session')));
    const revoked = await page.request.post(BASE_URL + '/graphql', {
      data: { query: 'mutation($i: TokenRevokeInput!){ tokenRevoke(input:$i){ userErrors { code } } }', variables: { i: { refreshToken: s.refreshToken } } },
    });
    assert.deepEqual((await revoked.json()).data.tokenRevoke.userErrors, []);
    await page.evaluate(() => {
      const s = JSON.parse(localStorage.getItem('tradeguard.session'));
      s.accessTokenExpiresAt = new Date(Date.now() - 1000).toISOString();
      localStorage.setItem('tradeguard.session', JSON.stringify(s));
    });
    await page.getByRole('link', { name: 'Orders' }).first().click();
    await page.waitForURL((u) => u.pathname === '/signin');
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('expired'), '1');
    assert.equal(url.searchParams.get('next'), '/orders');
    await page.getByText('Your session has ended').waitFor();
    await page.fill('#email', OWNER);
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL((u) => u.pathname === '/orders');
    // The refused renewal answers as a GraphQL userError (HTTP 200); nothing failed on the way.
    assertNoProblems(problems);
  });

  test('sign-out revokes the refresh token and returns to sign-in', async (t) => {
    const { page, problems } = await signedIn(t, browser, OWNER);
    await page.getByTestId('score-value').waitFor();
    const s = await page.evaluate(() => JSON.parse(localStorage.getItem('tradeguard.session')));
    await page.getByTestId('account-menu').hover();
    // The menu opens on hover: a pointer click travelling to the item can close it on a slow machine (the
    // header then takes the click), so the item gets its click event directly once it shows.
    const signOut = page.getByText('Sign out');
    await signOut.waitFor({ state: 'visible' });
    await signOut.dispatchEvent('click');
    await page.waitForURL((u) => u.pathname === '/signin');
    assert.equal(await page.evaluate(() => localStorage.getItem('tradeguard.session')), null);
    const again = await page.request.post(BASE_URL + '/graphql', {
      data: { query: 'mutation($i: TokenRefreshInput!){ tokenRefresh(input:$i){ accessToken userErrors { code } } }', variables: { i: { refreshToken: s.refreshToken } } },
    });
    const r = (await again.json()).data.tokenRefresh;
    assert.equal(r.accessToken, null, 'the refresh token no longer works');
    assert.equal(r.userErrors[0].code, 'REFRESH_TOKEN_INVALID');
    assertNoProblems(problems);
  });
});

// Latin words a Chinese page may still show: names, codes and brands that are not translated.
const KEEP = /^(tradeguard|Lotus|Electronics|Maple|Apparel|Harbor|Foods|GraphiQL|API|CSV|JWT|[A-Z]{2,3}-\d+|AS-\d+|[SABCD]|UNRATED|v\d+|demo-password|[\w.+-]+@[\w.-]+|h|Owner|Agent|Buyer|Admin|Platform|CNY|TWD|USD|HKD|NT|US|HK|RMB|PM|AM)$/;

describe('languages', () => {
  test('the language switch changes every label of the dashboard, for all three languages, and is remembered', async (t) => {
    const { page, problems } = await signedIn(t, browser, OWNER, { path: '/dashboard' });
    await page.getByTestId('score-value').waitFor();
    const texts = {};
    for (const lang of LANGS) {
      await page.getByTestId('language-switch').click();
      await page.locator(`.ant-select-item-option[title="${{ en: 'English', 'zh-Hans': '简体中文', 'zh-Hant': '繁體中文' }[lang]}"]`).click();
      await page.waitForFunction((l) => document.documentElement.lang === l, lang);
      await page.waitForTimeout(200);
      // Labels: menu items, titles, column heads, buttons, tags, descriptions.
      texts[lang] = await page.evaluate(() =>
        [...document.querySelectorAll('.ant-menu-title-content, .ant-card-head-title, .ant-page-header-heading-title, th, button, .ant-tag, .ant-descriptions-item-label, .ant-list-item, .ant-typography, .ant-statistic-title, h4, .ant-empty-description')]
          .map((e) => e.innerText.trim())
          .filter(Boolean));
      const missing = await page.evaluate(() => window.__tgMissingKeys ?? []);
      assert.deepEqual(missing, [], `${lang}: keys with no translation`);
      if (lang !== 'en') {
        const english = texts[lang].flatMap((s) => (s.match(/[A-Za-z][\w.@+-]+/g) ?? []).filter((w) => !KEEP.test(w)));
        assert.deepEqual([...new Set(english)], [], `${lang}: English words left on the page`);
      }
      await screenshot(t, page, `dashboard-${lang}`);
    }
    assert.notDeepEqual(texts['zh-Hans'], texts['zh-Hant']);
    assert.notDeepEqual(texts.en, texts['zh-Hant']);
    // Remembered: a reload keeps the last choice.
    await page.waitForLoadState('networkidle'); // a reload mid-request would abort it (a failed request)
    await page.reload();
    await page.getByTestId('score-value').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-Hant');
    assertNoProblems(problems);
  });

  test('the sign-in page in each language, with money and dates written the language\'s way', async (t) => {
    for (const lang of LANGS) {
      const { page, problems } = await openPage(t, browser, '/signin', { lang });
      await page.waitForFunction((l) => document.documentElement.lang === l, lang).catch(async (e) => {
        const at = await page.evaluate(() => [document.documentElement.lang, document.body.innerText.slice(0, 200)]);
        throw new Error(`${lang}: the page's language is ${JSON.stringify(at)}; problems: ${problems.join('; ')}`, { cause: e });
      });
      const title = await page.locator('h1').innerText();
      assert.equal(title, { en: 'Sign in to tradeguard', 'zh-Hans': '登录 tradeguard', 'zh-Hant': '登入 tradeguard' }[lang]);
      await screenshot(t, page, `signin-${lang}`);
      assertNoProblems(problems);
    }
  });
});

describe('accessibility and speed', () => {
  test('no serious or critical axe-core violations on sign-in and the dashboard', async (t) => {
    const { page, problems } = await openPage(t, browser, '/signin');
    await page.locator('#email').waitFor();
    assert.deepEqual(await seriousViolations(page), [], 'sign-in');
    const { page: dash } = await signedIn(t, browser, OWNER, { path: '/dashboard' });
    await dash.getByTestId('score-value').waitFor();
    await dash.waitForLoadState('networkidle');
    assert.deepEqual(await seriousViolations(dash), [], 'dashboard');
    assertNoProblems(problems);
  });

  test('the first page loads only its own code, and the dashboard paints', async (t) => {
    const { page, problems, requests } = await openPage(t, browser, '/signin');
    await page.locator('#email').waitFor();
    const scripts = requests.filter((u) => u.endsWith('.js'));
    // Code-split by route: the sign-in page does not load the dashboard's charts.
    assert.ok(scripts.length >= 1, 'scripts loaded');
    const sizes = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.js')).map((e) => ({ name: e.name, bytes: e.encodedBodySize })));
    assert.ok(!sizes.some((s) => /DashboardPage|Chart/.test(s.name)), `sign-in loads no dashboard code: ${sizes.map((s) => s.name).join(', ')}`);
    const { page: dash } = await signedIn(t, browser, OWNER, { path: '/dashboard' });
    // From the navigation's start to the score on screen (its data loaded), with the browser's cache as a
    // returning user has it.
    const shown = await (await dash.waitForFunction(() => document.querySelector('[data-testid=score-value]') && performance.now())).jsonValue();
    const paint = await dash.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime);
    assert.ok(paint > 0 && shown >= paint, 'first contentful paint recorded, before the score');
    // A first visit: nothing cached.
    const fresh = await browser.newContext();
    t.after(() => fresh.close());
    const cold = await fresh.newPage();
    await cold.goto(BASE_URL + '/signin');
    await cold.evaluate((s) => localStorage.setItem('tradeguard.session', s), await dash.evaluate(() => localStorage.getItem('tradeguard.session')));
    await cold.goto(BASE_URL + '/dashboard');
    const coldShown = await (await cold.waitForFunction(() => document.querySelector('[data-testid=score-value]') && performance.now())).jsonValue();
    const transfer = await cold.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.js')).reduce((n, e) => n + e.transferSize, 0));
    t.diagnostic(`sign-in scripts: ${sizes.map((s) => `${s.name.split('/').pop()} ${s.bytes} B`).join(', ')}; dashboard: first contentful paint ${paint.toFixed(0)} ms, score shown ${shown.toFixed(0)} ms (cached); nothing cached: score shown ${coldShown.toFixed(0)} ms, ${(transfer / 1024).toFixed(0)} KiB of scripts transferred`);
    assertNoProblems(problems);
  });
});
