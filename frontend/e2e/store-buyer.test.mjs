// Browser tests of the store's own pages (features/ratings, violations, settings) and the buyer's pages
// (features/buyer), run by scripts/e2e.sh against a server with the demo data. Every step is checked against
// the API. The data they change is their own: buyers 16 to 19 place fresh orders at maple-apparel and
// harbor-foods through the API; a return with a photo, a rating and its reply, an API token and a staff
// invitation are made and undone in the UI. Demo rows are only read; no store is closed (the close request is
// made only while the test's own paid order blocks it).
// Environment: BASE_URL (the server), CHROMIUM (browser binary), E2E_ARTIFACTS (where screenshots go).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { request } from 'playwright-core';
import { screenshot, makePng } from './artifacts.mjs';
import { BASE_URL, launch } from './browser.mjs';
import { seriousViolations } from './axe.mjs';
import { apiAs, assertNoProblems, signedIn as signedInOnly } from './session.mjs';

const MAPLE = 'owner@maple-apparel.test';
const HARBOR = 'owner@harbor-foods.test';
const BUYER_CASE = 'buyer16@tradeguard.test';
const BUYER_RATE = 'buyer17@tradeguard.test';
const BUYER_UNRATED = 'buyer18@tradeguard.test';
const BUYER_PAID = 'buyer19@tradeguard.test';
const LANGS = ['en', 'zh-Hans', 'zh-Hant'];

let browser;
let req;
const as = {};
const state = {};

before(async () => {
  browser = await launch();
  req = await request.newContext();
  for (const email of [MAPLE, HARBOR, BUYER_CASE, BUYER_RATE, BUYER_UNRATED, BUYER_PAID]) as[email] = await apiAs(req, email);
});

after(async () => {
  await browser?.close();
  await req?.dispose();
});

// The portal's GraphQL requests in flight on each page, so the test navigates only once they are answered (a
// navigation would abort them, which the page records as a failed request).
const inflight = new WeakMap();
function track(page) {
  if (inflight.has(page)) return;
  inflight.set(page, 0);
  const counts = (r) => r.url().startsWith(BASE_URL + '/graphql');
  page.on('request', (r) => counts(r) && inflight.set(page, inflight.get(page) + 1));
  const done = (r) => counts(r) && inflight.set(page, Math.max(0, inflight.get(page) - 1));
  page.on('requestfinished', done);
  page.on('requestfailed', done);
}

async function idle(page) {
  track(page);
  let quiet = 0;
  for (let i = 0; i < 200 && quiet < 3; i++) {
    await page.waitForTimeout(100);
    quiet = inflight.get(page) === 0 ? quiet + 1 : 0;
  }
}

async function signedIn(t, b, email, opts) {
  const opened = await signedInOnly(t, b, email, opts);
  track(opened.page);
  return opened;
}

// go: to path once the page's requests are answered.
async function go(page, path) {
  await idle(page);
  await page.goto(BASE_URL + path);
}

// shots: the page at path in each language (the choice is remembered in localStorage, so a reload switches
// it), once ready is visible: no translation missing, no serious accessibility problem, a full-page PNG.
async function shots(t, page, name, path, ready) {
  for (const lang of LANGS) {
    await page.evaluate((l) => localStorage.setItem('tradeguard.lang', l), lang);
    await go(page, path);
    await page.locator(ready).first().waitFor();
    await page.waitForLoadState('networkidle');
    assert.deepEqual(await page.evaluate(() => window.__tgMissingKeys ?? []), [], `translations missing on ${path} in ${lang}`);
    assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
    if (lang === 'en') assert.deepEqual(await seriousViolations(page), [], `accessibility of ${path}`);
    await idle(page);
    await screenshot(t, page, `store-${name}-${lang}`);
  }
  await page.evaluate(() => localStorage.setItem('tradeguard.lang', 'en'));
}

const ORDER = `query($id: ID!) { order(id: $id) { id number status store { id }
  items { id title quantity isGift giftOf unitPrice { amount } }
  rating { id overall descriptionMatch serviceAttitude logisticsSpeed comment reply } } }`;

// placeOrder: the buyer orders and pays at the store; the store ships it and marks it delivered, and the
// buyer confirms receipt, as far as upTo.
async function placeOrder(buyer, owner, storeId, lines, upTo) {
  const created = await as[buyer](
    `mutation($i: OrderCreateInput!) { orderCreate(input: $i) { order { id number status } userErrors { code message } } }`,
    {
      i: {
        storeId,
        lines,
        paymentMethod: 'CARD',
        shippingAddress: { name: 'Store Tester', phone: '+86 21 5555 0101', address: '88 Century Avenue, Pudong, Shanghai' },
      },
    },
  );
  assert.deepEqual(created.orderCreate.userErrors, []);
  const order = created.orderCreate.order;
  const steps = [
    ['PAID', buyer, `mutation($i: OrderPayInput!) { r: orderPay(input: $i) { order { status } userErrors { code message } } }`, { orderId: order.id, idempotencyKey: randomUUID() }],
    ['SHIPPED', owner, `mutation($i: OrderShipInput!) { r: orderShip(input: $i) { order { status } userErrors { code message } } }`, { orderId: order.id, carrier: 'SF Express', trackingNumber: `SF-STORE-${Date.now()}` }],
    ['DELIVERED', owner, `mutation($i: OrderMarkDeliveredInput!) { r: orderMarkDelivered(input: $i) { order { status } userErrors { code message } } }`, { orderId: order.id }],
    ['COMPLETED', buyer, `mutation($i: OrderConfirmReceiptInput!) { r: orderConfirmReceipt(input: $i) { order { status } userErrors { code message } } }`, { orderId: order.id }],
  ];
  for (const [status, who, q, i] of steps) {
    const r = (await as[who](q, { i })).r;
    assert.deepEqual(r.userErrors, [], `${order.number} → ${status}`);
    assert.equal(r.order.status, status);
    if (status === upTo) break;
  }
  return (await as[buyer](ORDER, { id: order.id })).order;
}

async function productsOf(owner) {
  const { viewer } = await as[owner](`{ viewer { store { id name } } }`);
  const { products } = await as[owner](`query($s: ID!) { products(first: 50, filter: { storeId: $s }) { nodes { id title category price { amount } status } } }`, { s: viewer.store.id });
  return { store: viewer.store, products: products.nodes.filter((p) => p.status === 'ACTIVE') };
}

describe('store pages and buyer pages', () => {
  test('setup: fresh orders of buyers 16 to 19 at maple-apparel and harbor-foods (API)', async () => {
    const maple = await productsOf(MAPLE);
    const harbor = await productsOf(HARBOR);
    state.maple = maple.store;
    state.harbor = harbor.store;
    const shirt = maple.products.find((p) => p.title === 'Linen Button-Down Shirt');
    const tote = maple.products.find((p) => p.title === 'Canvas Tote Bag');
    const cap = maple.products.find((p) => p.title === 'Embroidered Baseball Cap');
    const honey = harbor.products.find((p) => p.title === 'Raw Wildflower Honey 16 oz');
    assert.ok(shirt && tote && cap && honey, 'the stores sell the products the test orders');
    // (a) two shirts with a tote bag as a gift, delivered: the buyer asks for a return of one shirt.
    state.caseOrder = await placeOrder(BUYER_CASE, MAPLE, maple.store.id, [{ productId: shirt.id, quantity: 2, gifts: [{ productId: tote.id, quantity: 1 }] }], 'DELIVERED');
    // (b) honey at harbor-foods, completed: the buyer rates it, the store replies.
    state.rateOrder = await placeOrder(BUYER_RATE, HARBOR, harbor.store.id, [{ productId: honey.id, quantity: 2 }], 'COMPLETED');
    // A completed order left unrated (the rating page's screenshots), and a paid one that keeps maple open.
    state.unratedOrder = await placeOrder(BUYER_UNRATED, MAPLE, maple.store.id, [{ productId: cap.id, quantity: 1 }], 'COMPLETED');
    state.paidOrder = await placeOrder(BUYER_PAID, MAPLE, maple.store.id, [{ productId: cap.id, quantity: 1 }], 'PAID');
    assert.equal(state.caseOrder.status, 'DELIVERED');
    assert.equal(state.rateOrder.status, 'COMPLETED');
    assert.equal(state.paidOrder.status, 'PAID');
  });

  test('(a) a buyer opens a return with a photo in the UI and lands on the case', async (t) => {
    const order = state.caseOrder;
    const shirtLine = order.items.find((i) => !i.isGift);
    const { page, problems } = await signedIn(t, browser, BUYER_CASE);
    // The buyer's orders across stores, by status in the URL.
    await go(page, '/buyer/orders?status=DELIVERED');
    const card = page.locator(`[data-testid="buyer-order"][data-order-id="${order.id}"]`);
    await card.waitFor();
    assert.equal(await card.getAttribute('data-status'), 'DELIVERED');
    assert.match(await card.innerText(), /Gift: Canvas Tote Bag × 1/);
    await idle(page);
    await page.reload();
    await card.waitFor();
    assert.equal(new URL(page.url()).searchParams.get('status'), 'DELIVERED', 'the status filter survives a reload');
    const listed = await page.getByTestId('buyer-order').evaluateAll((els) => els.map((e) => e.dataset.status));
    assert.ok(listed.every((s) => s === 'DELIVERED'), `only delivered orders: ${listed}`);

    await card.getByTestId('buyer-new-case').click();
    await page.waitForURL((u) => u.pathname === `/buyer/orders/${encodeURIComponent(order.id)}/new-case`);
    // Only what fits a delivered order: no cancel request.
    await page.getByTestId('new-case-form').waitFor();
    assert.equal(await page.locator('[data-testid="case-type-ORDER_CANCEL"]').count(), 0, 'no cancel request once delivered');
    await page.locator('label', { has: page.locator('[data-testid="case-type-RETURN_REFUND"]') }).click();
    await page.getByTestId('case-reason').click();
    await page.locator('.ant-select-item-option', { hasText: 'Quality defect' }).click();
    // The only paid line is chosen with its full quantity: the amount is its value; one shirt halves it.
    const line = page.locator(`[data-testid="case-line"][data-item-id="${shirtLine.id}"]`);
    assert.equal(await line.getByTestId('case-line-pick').isChecked(), true);
    assert.equal(await page.getByTestId('case-amount').inputValue(), '398.00');
    await line.getByTestId('case-line-qty').fill('1');
    await line.getByTestId('case-line-qty').blur();
    await page.waitForFunction(() => document.querySelector('[data-testid="case-amount"]')?.value === '199.00');
    await page.getByTestId('case-description').fill('The seam on the left sleeve came apart after one wash.');
    const png = makePng();
    await page.locator('input[type=file]').setInputFiles({ name: 'seam.png', mimeType: 'image/png', buffer: png });
    await page.waitForFunction(() => document.querySelector('[data-testid="case-photo-preview"] img')?.src.startsWith('data:image/png'));
    await page.getByTestId('case-submit').click();
    await page.waitForURL((u) => u.pathname.startsWith('/cases/'), { timeout: 20_000 });
    const caseId = decodeURIComponent(new URL(page.url()).pathname.slice('/cases/'.length));

    const { afterSalesCase: c } = await as[BUYER_CASE](
      `query($id: ID!) { afterSalesCase(id: $id) { id number type reason status description requested { amount currencyCode }
        order { id } items { quantity orderItem { id } } evidence { kind filename contentType sha256 uploadedBy } } }`,
      { id: caseId },
    );
    assert.equal(c.order.id, order.id);
    assert.equal(c.type, 'RETURN_REFUND');
    assert.equal(c.reason, 'QUALITY_DEFECT');
    assert.equal(c.status, 'REQUESTED');
    assert.equal(c.requested.amount, '199.00');
    assert.deepEqual(c.items.map((i) => [i.orderItem.id, i.quantity]), [[shirtLine.id, 1]]);
    assert.equal(c.evidence.length, 1, 'the photo was uploaded to the new case');
    assert.equal(c.evidence[0].kind, 'PHOTO');
    assert.equal(c.evidence[0].contentType, 'image/png');
    assert.equal(c.evidence[0].uploadedBy, 'BUYER');
    assert.equal(c.evidence[0].sha256, createHash('sha256').update(png).digest('hex'), 'the stored file is the one chosen');
    state.case = c;

    // The buyer's cases: the new one, open, with its deadline countdown.
    await go(page, '/buyer/cases');
    const row = page.locator(`[data-testid="buyer-case"][data-case-id="${c.id}"]`);
    await row.waitFor();
    assert.equal(await row.getByTestId('buyer-case-status').getAttribute('data-status'), 'REQUESTED');
    assert.match(await row.getByTestId('buyer-case-deadline').innerText(), /left/);
    assert.equal(await row.getByTestId('buyer-case-link').getAttribute('href'), `/cases/${encodeURIComponent(c.id)}`);

    await shots(t, page, 'buyer-orders', '/buyer/orders', '[data-testid="buyer-order"]');
    await shots(t, page, 'buyer-new-case', `/buyer/orders/${encodeURIComponent(order.id)}/new-case?type=EXCHANGE`, '[data-testid="new-case-form"]');
    await shots(t, page, 'buyer-cases', '/buyer/cases', '[data-testid="buyer-case"]');
    assertNoProblems(problems);
  });

  test('(b) a buyer rates a completed order; the store sees it on /ratings and replies', async (t) => {
    const order = state.rateOrder;
    const buyer = await signedIn(t, browser, BUYER_RATE, { path: '/buyer/orders?status=COMPLETED' });
    const bp = buyer.page;
    const card = bp.locator(`[data-testid="buyer-order"][data-order-id="${order.id}"]`);
    await card.waitFor();
    await card.getByTestId('buyer-rate').click();
    await bp.waitForURL((u) => u.pathname === `/buyer/orders/${encodeURIComponent(order.id)}/rate`);
    await bp.getByTestId('rate-form').waitFor();
    // Stars are required: the fields say so.
    await bp.getByTestId('rate-submit').click();
    await bp.getByText('Choose 1 to 5 stars').nth(3).waitFor();
    assert.equal(await bp.getByText('Choose 1 to 5 stars').count(), 4, 'each unrated field shows its error');
    const star = (id, n) => bp.locator(`[data-testid="${id}"] label`).nth(n - 1).click();
    await star('rate-overall', 2);
    await star('rate-descriptionMatch', 3);
    await star('rate-serviceAttitude', 1);
    await star('rate-logisticsSpeed', 4);
    const comment = `Honey crystallised in the jar <b>already</b> — ${randomUUID().slice(0, 8)}`;
    await bp.getByTestId('rate-comment').fill(comment);
    await bp.getByTestId('rate-submit').click();
    await bp.waitForURL((u) => u.pathname === '/buyer/orders');
    const rated = (await as[BUYER_RATE](ORDER, { id: order.id })).order.rating;
    assert.deepEqual(
      [rated.overall, rated.descriptionMatch, rated.serviceAttitude, rated.logisticsSpeed, rated.comment],
      [2, 3, 1, 4, comment],
    );
    assertNoProblems(buyer.problems);

    // The store: a negative rating not replied to, found through the filters.
    const owner = await signedIn(t, browser, HARBOR, { path: '/ratings?negative=1&reply=none' });
    const op = owner.page;
    const item = op.locator(`[data-testid="rating"][data-rating-id="${rated.id}"]`);
    await item.waitFor();
    assert.equal(await item.getAttribute('data-order'), order.number);
    assert.equal(await item.getByTestId('rating-comment').innerText(), comment, 'the comment is shown as text');
    assert.equal(await item.getByTestId('rating-comment').locator('b').count(), 0, 'markup in a comment is not rendered');
    assert.equal(await item.getByTestId('rating-overall').getAttribute('data-value'), '2');
    assert.match(await item.getByTestId('rating-dims').innerText(), /Item as described\s*3[\s\S]*Seller service\s*1[\s\S]*Shipping speed\s*4/);
    assert.equal(await item.getByTestId('rating-order').getAttribute('href'), `/orders/${encodeURIComponent(order.id)}`);
    // The averages on top are the API's.
    const { viewer } = await as[HARBOR](`{ viewer { store { ratingAverages { count overall logisticsSpeed } } } }`);
    assert.equal((await op.getByTestId('avg-overall').innerText()).split('/')[0].trim(), viewer.store.ratingAverages.overall.toFixed(2));
    assert.equal((await op.getByTestId('avg-logisticsSpeed').innerText()).trim(), viewer.store.ratingAverages.logisticsSpeed.toFixed(2));

    // Replying from the list of negative ratings (a reply would take it out of "not replied" at once).
    await go(op, '/ratings?negative=1');
    await item.waitFor();
    await item.getByTestId('reply-open').click();
    await item.getByTestId('reply-submit').click();
    await item.getByText('Write a reply').waitFor();
    const reply = 'Sorry about that — crystallised honey is still good; warm the jar gently. We sent you a coupon.';
    await item.getByTestId('reply-text').fill(reply);
    await item.getByTestId('reply-submit').click();
    await item.getByTestId('rating-reply').waitFor();
    assert.match(await item.getByTestId('rating-reply').innerText(), /crystallised honey is still good/);
    const answered = (await as[HARBOR](ORDER, { id: order.id })).order.rating;
    assert.equal(answered.reply, reply, 'the API shows the reply');
    assert.equal(await item.getByTestId('reply-open').count(), 0, 'one reply only');
    // Replied: it is no longer awaiting a reply.
    await go(op, '/ratings?negative=1&reply=none');
    await op.getByTestId('ratings-list').waitFor();
    await idle(op);
    assert.equal(await op.locator(`[data-testid="rating"][data-rating-id="${rated.id}"]`).count(), 0, 'gone from "not replied"');

    // The rating page of an unrated order, and the ratings page, in every language.
    const unrated = await signedIn(t, browser, BUYER_UNRATED);
    await shots(t, unrated.page, 'buyer-rate', `/buyer/orders/${encodeURIComponent(state.unratedOrder.id)}/rate`, '[data-testid="rate-form"]');
    await shots(t, op, 'ratings', '/ratings', '[data-testid="rating"]');
    assertNoProblems(owner.problems);
    assertNoProblems(unrated.problems);
  });

  test('(c) the violations page shows the API\'s active points and penalties', async (t) => {
    for (const email of [HARBOR, MAPLE]) {
      const { page, problems } = await signedIn(t, browser, email, { path: '/violations' });
      const { viewer } = await as[email](`{ viewer { store {
        activePoints { general serious }
        penalties(inForceOnly: true) { id kind track threshold endsAt }
        violations(first: 100) { totalCount nodes { id status appealDeadline } } } } }`);
      const s = viewer.store;
      await page.getByTestId('points-GENERAL').waitFor();
      assert.equal(await page.getByTestId('points-GENERAL-value').innerText(), String(s.activePoints.general), `${email} general points`);
      assert.equal(await page.getByTestId('points-SERIOUS-value').innerText(), String(s.activePoints.serious), `${email} serious points`);
      await page.getByTestId('penalties').waitFor();
      const rows = await page.getByTestId('penalties').locator('[data-testid="penalty"]').evaluateAll((els) => els.map((e) => e.dataset.penaltyId));
      assert.deepEqual(rows.sort(), s.penalties.map((p) => p.id).sort(), `${email} penalties in force`);
      for (const p of s.penalties) {
        const row = page.locator(`[data-testid="penalty"][data-penalty-id="${p.id}"]`);
        assert.equal(await row.getByTestId('penalty-kind').innerText(), { NO_NEW_PRODUCTS: 'No new products', HIDDEN_FROM_SEARCH: 'Hidden from search', SELLING_SUSPENDED: 'Selling suspended', STORE_SUSPENDED: 'Store suspended' }[p.kind]);
        assert.match(await row.innerText(), new RegExp(`${p.threshold} pts`));
      }
      // The record: every violation, and the appeal offered only within its 7 days.
      await page.locator('[data-testid="violation"]').first().waitFor();
      const open = s.violations.nodes.filter((v) => v.status === 'ACTIVE' && Date.parse(v.appealDeadline) > Date.now());
      const shown = await page.locator('[data-testid="violation"]').count();
      assert.equal(shown, Math.min(10, s.violations.totalCount));
      for (const v of s.violations.nodes.slice(0, 10)) {
        const row = page.locator(`[data-testid="violation"][data-violation-id="${v.id}"]`);
        assert.equal(await row.getByTestId('appeal-open').count(), open.some((o) => o.id === v.id) ? 1 : 0, `appeal offered on ${v.id}`);
      }
      if (email === HARBOR) {
        // A late appeal is refused by the API (nothing changes): the page offers none for that row.
        const late = s.violations.nodes.find((v) => v.status === 'ACTIVE' && Date.parse(v.appealDeadline) < Date.now());
        assert.ok(late, 'harbor-foods has a violation past its appeal window');
        const r = await as[HARBOR](`mutation($i: ViolationAppealInput!) { violationAppeal(input: $i) { violation { id } userErrors { code message } } }`, {
          i: { violationId: late.id, reason: 'late on purpose' },
        });
        assert.equal(r.violationAppeal.userErrors[0]?.code, 'APPEAL_WINDOW_CLOSED');
        // Filters in the URL.
        await go(page, '/violations?track=SERIOUS&past=1');
        await page.locator('[data-testid="violation"]').first().waitFor();
        const tracks = await page.getByTestId('violations').locator('tbody tr.ant-table-row').allInnerTexts();
        assert.ok(tracks.length > 0 && tracks.every((x) => x.includes('Serious')), 'only serious violations');
        await shots(t, page, 'violations', '/violations', '[data-testid="violation"]');
      }
      assertNoProblems(problems);
    }
  });

  test('(d) settings: an API token shown once works, then is revoked; an invitation is made and revoked', async (t) => {
    const { page, problems } = await signedIn(t, browser, MAPLE, { path: '/settings?tab=api' });
    const name = `e2e store sync ${randomUUID().slice(0, 6)}`;
    await page.getByTestId('token-open').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('token-name').fill(name);
    await dialog.getByLabel('Read metrics and violations').check();
    await page.getByTestId('token-submit').click();
    const secretEl = page.getByTestId('token-secret');
    await secretEl.waitFor();
    const secret = (await secretEl.innerText()).trim();
    assert.match(secret, /^tgp_/);
    assert.match(await page.getByRole('dialog').innerText(), /shown only once/);
    // The secret works against the API and answers for the store.
    const call = (token) =>
      req.post(BASE_URL + '/graphql', { headers: { Authorization: 'Bearer ' + token }, data: { query: '{ viewer { role scopes store { id name } } }' } });
    const ok = await (await call(secret)).json();
    assert.equal(ok.data.viewer.store.id, state.maple.id);
    assert.deepEqual([...ok.data.viewer.scopes].sort(), ['METRICS_READ', 'ORDERS_READ']);
    await page.getByTestId('token-secret-done').click();
    await secretEl.waitFor({ state: 'detached' });
    assert.equal(await page.getByText(secret).count(), 0, 'the secret is gone once the dialog closes');
    const row = page.locator(`[data-testid="token"][data-name="${name}"]`);
    await row.waitFor();
    const { apiTokens } = await as[MAPLE](`{ apiTokens { id name scopes revokedAt } }`);
    const tok = apiTokens.find((k) => k.name === name);
    assert.ok(tok && !tok.revokedAt);
    await shots(t, page, 'settings-api', '/settings?tab=api', `[data-testid="token"][data-name="${name}"]`);
    await row.getByTestId('token-revoke').click();
    await page.getByTestId('token-revoke-ok').click();
    await row.waitFor({ state: 'detached' });
    const refused = await call(secret);
    const body = await refused.json().catch(() => ({}));
    assert.ok(refused.status() === 401 || body.errors?.length, `a revoked token is refused (HTTP ${refused.status()})`);
    assert.ok(!body.data?.viewer?.store, 'a revoked token reads nothing');
    assert.ok((await as[MAPLE](`{ apiTokens { id revokedAt } }`)).apiTokens.find((k) => k.id === tok.id).revokedAt, 'revoked in the API');
    await go(page, '/settings?tab=api&revoked=1');
    await page.locator(`[data-testid="token"][data-name="${name}"][data-revoked="1"]`).waitFor();

    // Staff: invite an e-mail (the token shown once), then revoke the invitation.
    await go(page, '/settings?tab=staff');
    await page.getByTestId('staff').waitFor();
    const email = `e2e-store-${randomUUID().slice(0, 8)}@example.test`;
    await page.getByTestId('invite-open').click();
    await page.getByTestId('invite-email').fill('not-an-email');
    await page.getByTestId('invite-submit').click();
    await page.getByText('Enter an e-mail address like name@example.com').waitFor();
    await page.getByTestId('invite-email').fill(email);
    await page.getByTestId('invite-submit').click();
    await page.getByTestId('invite-token').waitFor();
    assert.ok((await page.getByTestId('invite-token').innerText()).trim().length > 16, 'the invitation token is shown');
    await page.getByTestId('invite-token-done').click();
    const inv = page.locator(`[data-testid="invite"][data-email="${email}"]`);
    await inv.waitFor();
    assert.equal(await inv.getAttribute('data-status'), 'PENDING');
    let invites = (await as[MAPLE](`{ staffInvites { id email status } }`)).staffInvites;
    assert.equal(invites.find((i) => i.email === email)?.status, 'PENDING');
    await inv.getByTestId('invite-revoke').click();
    await page.getByTestId('invite-revoke-ok').click();
    await page.locator(`[data-testid="invite"][data-email="${email}"][data-status="REVOKED"]`).waitFor();
    invites = (await as[MAPLE](`{ staffInvites { id email status } }`)).staffInvites;
    assert.equal(invites.find((i) => i.email === email)?.status, 'REVOKED');
    await shots(t, page, 'settings-staff', '/settings?tab=staff', '[data-testid="invite"]');

    // Closing: refused while the test's own paid order is unfinished, with the blockers listed; still open.
    const paid = (await as[MAPLE](ORDER, { id: state.paidOrder.id })).order;
    assert.equal(paid.status, 'PAID', 'the order that blocks closing is still unfinished');
    await go(page, '/settings?tab=close');
    await page.getByTestId('close-request').click();
    await page.getByTestId('close-confirm').click();
    await page.getByTestId('close-blockers').waitFor();
    assert.ok((await page.getByTestId('close-blocker').count()) > 0);
    assert.match(await page.getByRole('alert').first().innerText(), /open business/);
    const { viewer } = await as[MAPLE](`{ viewer { store { status closesAt } } }`);
    assert.equal(viewer.store.status, 'ACTIVE', 'the store stays open');
    assert.equal(viewer.store.closesAt, null);
    await shots(t, page, 'settings-close', '/settings?tab=close', '[data-testid="close-store"]');
    await shots(t, page, 'settings-store', '/settings', '[data-testid="store-profile"]');
    assertNoProblems(problems);
  });

  test('(e) the ratings filters live in the URL and survive a reload', async (t) => {
    const { page, problems } = await signedIn(t, browser, MAPLE, { path: '/ratings' });
    await page.getByTestId('ratings-list').waitFor();
    await page.getByTestId('filter-stars').getByLabel('5 stars').click();
    await page.waitForURL((u) => u.searchParams.get('stars') === '5');
    await page.getByTestId('filter-stars').getByLabel('4 stars').click();
    await page.getByTestId('filter-reply').click();
    await page.locator('.ant-select-item-option', { hasText: 'Not replied yet' }).click();
    await page.waitForURL((u) => u.searchParams.get('reply') === 'none' && u.searchParams.get('stars') === '5,4');
    const { viewer } = await as[MAPLE](`{ viewer { store { ratings(first: 100, filter: { stars: [5, 4], unanswered: true }) { totalCount nodes { id overall reply } } } } }`);
    const want = viewer.store.ratings;
    assert.ok(want.nodes.every((r) => r.overall >= 4 && !r.reply));
    const check = async () => {
      await page.waitForFunction(
        (n) => document.querySelector('[data-testid="ratings-total"]')?.textContent === `${n} ratings`,
        want.totalCount,
      );
      const ids = await page.locator('[data-testid="rating"]').evaluateAll((els) => els.map((e) => e.dataset.ratingId));
      assert.deepEqual(ids, want.nodes.slice(0, 10).map((r) => r.id));
      assert.equal(await page.getByTestId('filter-stars').getByLabel('5 stars').isChecked(), true);
      assert.equal(await page.getByTestId('filter-stars').getByLabel('3 stars').isChecked(), false);
    };
    await check();
    await idle(page);
    await page.reload();
    await check();
    // Page 2 is in the URL too, and a reload keeps it.
    if (want.totalCount > 10) {
      await page.locator('.ant-pagination-item-2').click();
      await page.waitForURL((u) => u.searchParams.get('page') === '2');
      await idle(page);
      await page.reload();
      await page.waitForFunction(() => document.querySelector('.ant-pagination-item-active')?.textContent === '2');
      const ids = await page.locator('[data-testid="rating"]').evaluateAll((els) => els.map((e) => e.dataset.ratingId));
      assert.deepEqual(ids, want.nodes.slice(10, 20).map((r) => r.id));
    }
    assertNoProblems(problems);
  });
});
