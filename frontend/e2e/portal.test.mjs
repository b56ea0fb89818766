// Browser tests of the portal, run by scripts/e2e.sh (make e2e) against a server with the demo data:
// playwright-core drives the machine's chromium (no downloaded browser, browser.mjs); node's test runner.
// Environment: BASE_URL (the server), CHROMIUM (browser binary, default /usr/bin/chromium),
// E2E_ARTIFACTS (where screenshots go; default a temporary directory).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_URL, launch, openPage } from './browser.mjs';

const PASSWORD = 'demo-password';

let browser;
let artifacts;
let ownArtifacts = false;

before(async () => {
  browser = await launch();
  if (process.env.E2E_ARTIFACTS) {
    artifacts = process.env.E2E_ARTIFACTS;
    await mkdir(artifacts, { recursive: true });
  } else {
    artifacts = await mkdtemp(join(tmpdir(), 'tge2e-shots-'));
    ownArtifacts = true;
  }
});

after(async () => {
  await browser?.close();
  if (ownArtifacts) await rm(artifacts, { recursive: true, force: true });
});

// The portal's page in a fresh browser context, recording what went wrong on it (browser.mjs).
async function openPortal(t) {
  const { page, problems, res } = await openPage(t, browser, '/');
  assert.equal(res.status(), 200, 'GET / status');
  return { page, problems };
}

// Signs in through the form and waits for #out to be filled; returns its text.
async function signIn(page, email, password) {
  await page.fill('#email', email);
  await page.fill('#password', password);
  const answered = page.waitForResponse((r) => r.url().endsWith('/graphql') && r.request().method() === 'POST');
  await page.click('button[type=submit]');
  await answered;
  await page.waitForFunction(() => document.querySelector('#out').textContent.trim() !== '');
  return (await page.textContent('#out')).trim();
}

function assertNoProblems(problems) {
  assert.deepEqual(problems, [], 'the page had console errors or failed requests');
}

describe('portal', () => {
  test('loads with its title and the prefilled sign-in form', async (t) => {
    const { page, problems } = await openPortal(t);
    assert.equal(await page.title(), 'tradeguard');
    assert.equal(await page.inputValue('#email'), 'owner@lotus-electronics.test');
    assert.equal(await page.inputValue('#password'), PASSWORD);
    assert.ok(await page.isVisible('button[type=submit]'), 'the submit button is visible');
    assert.equal((await page.textContent('#out')).trim(), '');
    assertNoProblems(problems);
  });

  test('the merchant owner signs in and sees its store and orders', async (t) => {
    const { page, problems } = await openPortal(t);
    const data = JSON.parse(await signIn(page, 'owner@lotus-electronics.test', PASSWORD));
    assert.equal(data.viewer.role, 'MERCHANT');
    assert.equal(data.viewer.staffRole, 'OWNER');
    assert.equal(data.viewer.email, 'owner@lotus-electronics.test');
    assert.equal(data.viewer.store.name, 'Lotus Electronics');
    assert.equal(data.orders.totalCount, 420);
    assertNoProblems(problems);
  });

  test('a buyer signs in and sees its own orders', async (t) => {
    const { page, problems } = await openPortal(t);
    const data = JSON.parse(await signIn(page, 'buyer1@tradeguard.test', PASSWORD));
    assert.equal(data.viewer.role, 'BUYER');
    assert.equal(data.viewer.email, 'buyer1@tradeguard.test');
    assert.equal(data.viewer.store, null);
    assert.ok(Number.isInteger(data.orders.totalCount) && data.orders.totalCount > 0,
      `buyer1 has orders (totalCount ${data.orders.totalCount})`);
    assertNoProblems(problems);
  });

  test('a wrong password shows the API\'s message and no data', async (t) => {
    const { page, problems } = await openPortal(t);
    // What the API itself answers, so the page is checked against the real userError message.
    const api = await page.request.post(BASE_URL + '/graphql', {
      data: {
        query: 'mutation($i: LoginInput!){ login(input:$i){ accessToken userErrors{ code message } } }',
        variables: { i: { email: 'owner@lotus-electronics.test', password: 'not-the-password' } },
      },
    });
    const login = (await api.json()).data.login;
    assert.equal(login.accessToken, null);
    assert.ok(login.userErrors.length > 0 && login.userErrors[0].message, 'the API answers a userError');

    const out = await signIn(page, 'owner@lotus-electronics.test', 'not-the-password');
    assert.equal(out, login.userErrors[0].message);
    assert.doesNotMatch(out, /viewer|totalCount|MERCHANT|Lotus/);
    assertNoProblems(problems);
  });

  test('a screenshot of the signed-in page is a non-empty PNG', async (t) => {
    const { page, problems } = await openPortal(t);
    await signIn(page, 'owner@lotus-electronics.test', PASSWORD);
    const file = join(artifacts, 'signed-in-merchant.png');
    await page.screenshot({ path: file, fullPage: true });
    const { size } = await stat(file);
    assert.ok(size > 1000, `screenshot ${file} is ${size} bytes`);
    const png = await readFile(file);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
    t.diagnostic(`screenshot: ${file} (${size} bytes)`);
    assertNoProblems(problems);
  });

  test('its icon is served as an image', async (t) => {
    const { page, problems } = await openPortal(t);
    for (const [path, type] of [['/favicon.svg', 'image/svg+xml'], ['/favicon.ico', 'image/x-icon']]) {
      const res = await page.request.get(BASE_URL + path);
      assert.equal(res.status(), 200, path);
      assert.equal(res.headers()['content-type'], type, path);
    }
    // The heading shows it, drawn.
    await page.waitForFunction(() => document.querySelector('h1 img')?.naturalWidth > 0);
    assertNoProblems(problems);
  });

  test('no console errors, blocked content or failed requests while loading, signing in and reloading', async (t) => {
    const { page, problems } = await openPortal(t);
    await signIn(page, 'buyer1@tradeguard.test', PASSWORD);
    await page.reload({ waitUntil: 'load' });
    await signIn(page, 'owner@lotus-electronics.test', PASSWORD);
    // Let late requests (favicon and the like) finish or fail before looking.
    await page.waitForLoadState('networkidle');
    assertNoProblems(problems);
  });
});
