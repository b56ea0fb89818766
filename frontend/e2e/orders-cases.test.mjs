// Browser tests of the orders and after-sales pages (features/orders, features/cases), run by scripts/e2e.sh
// against a server with the demo data. Every step is checked against the API. The data they change is their
// own: a buyer (buyer12) places and pays a fresh order at lotus-electronics, which the store ships in the UI;
// the buyer opens a return on it, and the return goes through the UI to its refund. Demo rows are only read.
// Environment: BASE_URL (the server), CHROMIUM (browser binary), E2E_ARTIFACTS (where screenshots go).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request } from 'playwright-core';
import { screenshot, makePng } from './artifacts.mjs';
import { BASE_URL, launch } from './browser.mjs';
import { seriousViolations } from './axe.mjs';
import { apiAs, assertNoProblems, signedIn } from './session.mjs';

const BUYER = 'buyer12@tradeguard.test';
const OWNER = 'owner@lotus-electronics.test';
const OTHER_OWNER = 'owner@maple-apparel.test';
const ADMIN = 'admin@tradeguard.test';
const LANGS = ['en', 'zh-Hans', 'zh-Hant'];

let browser;
let req;
let buyerApi;
let ownerApi;
// What the tests build on, in order: the order, its paid line and gift, the case.
const state = {};

before(async () => {
  browser = await launch();
  req = await request.newContext();
  buyerApi = await apiAs(req, BUYER);
  ownerApi = await apiAs(req, OWNER);
});

after(async () => {
  await browser?.close();
  await req?.dispose();
});

async function noMissingKeys(page, where) {
  assert.deepEqual(await page.evaluate(() => window.__tgMissingKeys ?? []), [], `translations missing on ${where}`);
}

const ORDER = `query($id: ID!) { order(id: $id) { id number status version carrier trackingNumber shippedAt deliveredAt
  items { id title isGift giftOf declaredValue { amount } lineTotal { amount } } timeline { action } } }`;
const CASE = `query($id: ID!) { afterSalesCase(id: $id) { id number status version requested { amount } approved { amount }
  refunded { amount } returnCarrier returnTrackingNumber availableActions timeline { action actor }
  evidence { id kind filename contentType sha256 uploadedBy } messages { author body }
  refunds { amount { amount } status route } } }`;

const caseStatus = (page) => page.getByTestId('case-status').getAttribute('data-status');

// waitStatus waits until the page's status tag shows want (after a mutation and its refetch).
async function waitStatus(page, testId, want) {
  await page.waitForFunction(
    ([id, w]) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-status') === w,
    [testId, want],
  );
}

async function dialog(page) {
  const d = page.getByRole('dialog');
  await d.waitFor();
  return d;
}

describe('orders and after-sales', () => {
  test('setup: the buyer places and pays a fresh order at lotus-electronics (API)', async () => {
    const { products } = await buyerApi(`{ products(first: 50) { nodes { id title store { id slug } } } }`);
    const lotus = products.nodes.filter((p) => p.store.slug === 'lotus-electronics');
    const earbuds = lotus.find((p) => p.title === 'Breeze True Wireless Earbuds');
    const kit = lotus.find((p) => p.title === 'Screen Cleaning Kit');
    assert.ok(earbuds && kit, 'lotus sells the earbuds and the cleaning kit');
    const created = await buyerApi(
      `mutation($i: OrderCreateInput!) { orderCreate(input: $i) { order { id number status total { amount } } userErrors { code message } } }`,
      {
        i: {
          storeId: earbuds.store.id,
          lines: [{ productId: earbuds.id, quantity: 1, gifts: [{ productId: kit.id, quantity: 1 }] }],
          paymentMethod: 'CARD',
          shippingAddress: { name: 'Ops Tester', phone: '+886 2 2345 6789', address: '7 Xinyi Road, Taipei 110' },
        },
      },
    );
    assert.deepEqual(created.orderCreate.userErrors, []);
    const order = created.orderCreate.order;
    const paid = await buyerApi(`mutation($i: OrderPayInput!) { orderPay(input: $i) { order { status } userErrors { code message } } }`, {
      i: { orderId: order.id, idempotencyKey: randomUUID() },
    });
    assert.deepEqual(paid.orderPay.userErrors, []);
    assert.equal(paid.orderPay.order.status, 'PAID');
    const full = (await ownerApi(ORDER, { id: order.id })).order;
    state.order = full;
    state.line = full.items.find((i) => !i.isGift);
    state.gift = full.items.find((i) => i.isGift);
    assert.equal(state.gift.giftOf, state.line.id, 'the gift rides on the paid line');
  });

  test('(a) the merchant ships the order in the UI: a bad tracking number is refused on its field first', async (t) => {
    const { order } = state;
    const { page, problems } = await signedIn(t, browser, OWNER, { path: '/orders?status=PAID' });
    // The list of paid orders: the new one first, with its live ship-by countdown.
    const row = page.getByTestId('orders-table').locator('tbody tr.ant-table-row', { hasText: order.number });
    await row.waitFor();
    assert.match(await row.innerText(), /left/, 'the ship-by countdown runs');
    assert.equal(await row.getByTestId('order-status').getAttribute('data-status'), 'PAID');
    await row.getByTestId('order-link').click();
    await page.waitForURL((u) => u.pathname === `/orders/${encodeURIComponent(order.id)}`);
    await page.getByTestId('order-items').waitFor();
    await waitStatus(page, 'order-status', 'PAID');
    // Lines with the gift marked, and the money summary.
    assert.equal(await page.getByTestId('gift-row').count(), 1);
    assert.match(await page.getByTestId('gift-row').innerText(), /Gift/);
    assert.match(await page.getByTestId('order-deadline').innerText(), /Ship before the promised time/);

    await page.getByTestId('order-action-SHIP').click();
    const d = await dialog(page);
    await d.getByLabel('Carrier').fill('SF Express');
    await d.getByLabel('Tracking no.').fill('bad tracking!');
    await page.getByTestId('order-action-SHIP-submit').click();
    await d.getByText('A tracking number is 4 to 64 letters, digits or dashes (no spaces).').waitFor();
    assert.equal((await ownerApi(ORDER, { id: order.id })).order.status, 'PAID', 'nothing was sent');

    const tracking = `SF-OPS-${Date.now()}`;
    await d.getByLabel('Tracking no.').fill(tracking);
    await page.getByTestId('order-action-SHIP-submit').click();
    await waitStatus(page, 'order-status', 'SHIPPED');
    const shipped = (await ownerApi(ORDER, { id: order.id })).order;
    assert.equal(shipped.status, 'SHIPPED');
    assert.equal(shipped.carrier, 'SF Express');
    assert.equal(shipped.trackingNumber, tracking);
    await page.getByText(tracking).waitFor();
    // The timeline shows the shipment, as the API records it.
    const entries = await page.getByTestId('order-timeline-entry').evaluateAll((els) => els.map((e) => e.dataset.action));
    assert.deepEqual(entries, shipped.timeline.map((e) => e.action).reverse());

    // The carrier delivers: the store records it.
    await page.getByTestId('order-action-MARK_DELIVERED').click();
    await dialog(page);
    await page.getByTestId('order-action-MARK_DELIVERED-submit').click();
    await waitStatus(page, 'order-status', 'DELIVERED');
    assert.equal((await ownerApi(ORDER, { id: order.id })).order.status, 'DELIVERED');
    assertNoProblems(problems);
  });

  test('(b) the return: evidence from the buyer, approval, return shipment and receipt in the UI → REFUNDED', async (t) => {
    const { order, line, gift } = state;
    // The buyer's case-opening page is not part of these pages: the case is opened through the API.
    const opened = await buyerApi(
      `mutation($i: AfterSalesCaseCreateInput!) { afterSalesCaseCreate(input: $i) { case { id number status requested { amount } } userErrors { code message } } }`,
      { i: { orderId: order.id, type: 'RETURN_REFUND', reason: 'QUALITY_DEFECT', items: [{ orderItemId: line.id, quantity: 1 }], description: 'The left earbud crackles.\n<b>Not bold</b>' } },
    );
    assert.deepEqual(opened.afterSalesCaseCreate.userErrors, []);
    const c = opened.afterSalesCaseCreate.case;
    state.case = c;
    assert.equal(c.status, 'REQUESTED');
    const path = `/cases/${encodeURIComponent(c.id)}`;

    // The buyer uploads a photo and writes to the store on the case page.
    const png = makePng();
    const buyer = await signedIn(t, browser, BUYER, { path });
    const bp = buyer.page;
    await waitStatus(bp, 'case-status', 'REQUESTED');
    assert.equal(await bp.getByTestId('case-action-APPROVE').count(), 0, 'the buyer cannot approve');
    assert.equal(await bp.getByTestId('case-action-WITHDRAW').count(), 1, 'the buyer may withdraw');
    await bp.locator('input[type=file]').setInputFiles({ name: 'crackle.png', mimeType: 'image/png', buffer: png });
    await bp.getByTestId('evidence-item').waitFor();
    await bp.waitForFunction(() => document.querySelector('[data-testid="evidence-item"] img')?.src.startsWith('data:image/png'));
    let api = (await buyerApi(CASE, { id: c.id })).afterSalesCase;
    assert.equal(api.evidence.length, 1);
    assert.equal(api.evidence[0].contentType, 'image/png');
    assert.equal(api.evidence[0].kind, 'PHOTO');
    assert.equal(api.evidence[0].uploadedBy, 'BUYER');
    assert.equal(api.evidence[0].sha256, createHash('sha256').update(png).digest('hex'), 'the file uploaded is the one stored');
    // The preview is the very file, shown as a data: URL.
    const shown = await bp.evaluate(() => document.querySelector('[data-testid="evidence-item"] img').src);
    assert.equal(Buffer.from(shown.split(',')[1], 'base64').toString('hex'), png.toString('hex'));
    // The download is the very file too, under its name.
    const [download] = await Promise.all([bp.waitForEvent('download'), bp.getByTestId('evidence-item').getByRole('button', { name: 'Download crackle.png' }).click()]);
    assert.equal(download.suggestedFilename(), 'crackle.png');
    assert.equal((await readFile(await download.path())).toString('hex'), png.toString('hex'));
    // Text is shown as text.
    assert.match(await bp.getByTestId('case-summary').innerText(), /<b>Not bold<\/b>/);
    const body = 'Photo attached. <i>Please</i> take it back.';
    await bp.getByTestId('message-body').fill(body);
    await bp.getByTestId('message-send').click();
    await bp.getByTestId('case-message').filter({ hasText: 'take it back' }).waitFor();
    assert.equal(await bp.getByTestId('case-thread').locator('i').count(), 0, 'markup in a message is not rendered');
    api = (await buyerApi(CASE, { id: c.id })).afterSalesCase;
    assert.deepEqual(api.messages.map((m) => [m.author, m.body]), [['BUYER', body]]);

    // The store sees the photo and approves, after a refused amount.
    const owner = await signedIn(t, browser, OWNER, { path });
    const op = owner.page;
    await waitStatus(op, 'case-status', 'REQUESTED');
    await op.waitForFunction(() => document.querySelector('[data-testid="evidence-item"] img')?.src.startsWith('data:image/png'));
    await op.getByTestId('case-message').filter({ hasText: 'take it back' }).waitFor();
    await op.getByTestId('case-action-APPROVE').click();
    const d = await dialog(op);
    const amount = d.getByLabel('Amount to refund (optional)');
    await amount.fill(String(Number(c.requested.amount) + 1));
    await op.getByTestId('case-action-APPROVE-submit').click();
    await d.getByText(/^At most /).waitFor();
    assert.equal((await ownerApi(CASE, { id: c.id })).afterSalesCase.status, 'REQUESTED', 'nothing was sent');
    await amount.fill('');
    await op.getByTestId('case-action-APPROVE-submit').click();
    await waitStatus(op, 'case-status', 'AWAITING_RETURN');
    api = (await ownerApi(CASE, { id: c.id })).afterSalesCase;
    assert.equal(api.status, 'AWAITING_RETURN');
    assert.equal(api.approved.amount, c.requested.amount);

    // The buyer ships the goods back.
    await bp.reload();
    await waitStatus(bp, 'case-status', 'AWAITING_RETURN');
    await bp.getByTestId('case-action-SHIP_RETURN').click();
    const sd = await dialog(bp);
    const returnTracking = `RT-${Date.now()}`;
    await sd.getByLabel('Carrier').fill('T-Cat');
    await sd.getByLabel('Tracking no.').fill(returnTracking);
    await bp.getByTestId('case-action-SHIP_RETURN-submit').click();
    await waitStatus(bp, 'case-status', 'RETURN_SHIPPED');
    api = (await buyerApi(CASE, { id: c.id })).afterSalesCase;
    assert.equal(api.status, 'RETURN_SHIPPED');
    assert.equal(api.returnCarrier, 'T-Cat');
    assert.equal(api.returnTrackingNumber, returnTracking);

    // The store confirms the return, with the gift missing from the parcel: its declared value is deducted.
    await op.reload();
    await waitStatus(op, 'case-status', 'RETURN_SHIPPED');
    assert.match(await op.getByTestId('case-return-tracking').innerText(), new RegExp(returnTracking));
    // Meanwhile the carrier's delivery is recorded elsewhere (the API): the page's view is stale, so its
    // confirmation is refused as a CONFLICT, which the page says and answers by reloading the case.
    const before = (await ownerApi(CASE, { id: c.id })).afterSalesCase;
    const delivered = await ownerApi(
      `mutation($i: AfterSalesCaseMarkReturnDeliveredInput!) { afterSalesCaseMarkReturnDelivered(input: $i) { case { version } userErrors { code message } } }`,
      { i: { caseId: c.id, expectedVersion: before.version } },
    );
    assert.deepEqual(delivered.afterSalesCaseMarkReturnDelivered.userErrors, []);
    await op.getByTestId('case-action-RECEIVE_RETURN').click();
    await dialog(op);
    await op.getByTestId('case-action-RECEIVE_RETURN-submit').click();
    await op.getByText('This case changed while you were looking at it. It has been reloaded: check it and try again.').waitFor();
    await op.getByRole('dialog').waitFor({ state: 'hidden' });
    assert.equal((await ownerApi(CASE, { id: c.id })).afterSalesCase.status, 'RETURN_SHIPPED', 'the stale confirmation changed nothing');
    await op.waitForFunction(() => [...document.querySelectorAll('[data-testid="case-timeline-entry"]')].some((e) => e.dataset.action === 'MARK_RETURN_DELIVERED'));

    await op.getByTestId('case-action-RECEIVE_RETURN').click();
    const rd = await dialog(op);
    await rd.getByTestId('missing-gift').click();
    await op.getByTestId('case-action-RECEIVE_RETURN-submit').click();
    await waitStatus(op, 'case-status', 'REFUNDED');
    api = (await ownerApi(CASE, { id: c.id })).afterSalesCase;
    assert.equal(api.status, 'REFUNDED');
    const cents = (s) => Math.round(Number(s) * 100);
    assert.equal(cents(api.refunded.amount), cents(c.requested.amount) - cents(gift.declaredValue.amount), 'refunded the request less the missing gift');
    assert.deepEqual(api.refunds.map((r) => r.status), ['SUCCEEDED']);
    assert.deepEqual(api.availableActions, []);

    // Both sides' pages show it, with the same timeline as the API.
    const want = api.timeline.map((e) => e.action).reverse();
    for (const action of ['OPEN', 'EVIDENCE_ADDED', 'APPROVE', 'SHIP_RETURN', 'MARK_RETURN_DELIVERED', 'RECEIVE_RETURN']) assert.ok(want.includes(action), `the API recorded ${action}`);
    for (const p of [op, bp]) {
      await p.reload();
      await waitStatus(p, 'case-status', 'REFUNDED');
      assert.equal(await caseStatus(p), 'REFUNDED');
      const entries = await p.getByTestId('case-timeline-entry').evaluateAll((els) => els.map((e) => e.dataset.action));
      assert.deepEqual(entries, want);
      assert.equal(await p.getByTestId('refund-status').getAttribute('data-status'), 'SUCCEEDED');
      assert.equal(await p.locator('[data-testid^="case-action-"]').count(), 0, 'nothing left to do');
    }
    // The order page lists the case with its final status.
    await op.goto(BASE_URL + `/orders/${encodeURIComponent(order.id)}`);
    await op.getByTestId('order-cases').getByText(c.number).waitFor();
    assert.equal(await op.getByTestId('order-case-status').getAttribute('data-status'), 'REFUNDED');
    assertNoProblems(buyer.problems);
    assertNoProblems(owner.problems);
  });

  test('(c) the queue marks overdue cases, and its filters survive a reload', async (t) => {
    const adminApi = await apiAs(req, ADMIN);
    const q = `query($f: AfterSalesCaseFilter) { afterSalesCases(first: 20, filter: $f) { totalCount nodes { number type deadline { at } } } }`;
    const overdue = (await adminApi(q, { f: { overdue: true } })).afterSalesCases;
    assert.ok(overdue.totalCount > 0, 'the demo has overdue cases');
    const { page, problems } = await signedIn(t, browser, ADMIN, { path: '/cases' });
    const rows = () =>
      page
        .getByTestId('cases-table')
        .locator('tbody tr[data-case]')
        .evaluateAll((els) => els.map((e) => [e.dataset.case, e.dataset.overdue, !!e.querySelector('[data-testid="case-overdue"]')]));
    // The page shows what the API answers for the same filter (asked again while waiting: other tests may
    // change cases on the shared server meanwhile).
    const showsApi = async (filter, what) => {
      let want;
      for (let i = 0; i < 30; i++) {
        want = (await adminApi(q, { f: filter })).afterSalesCases.nodes.map((c) => [c.number, 'true', true]);
        if (JSON.stringify(await rows()) === JSON.stringify(want)) return;
        await page.waitForTimeout(300);
      }
      assert.deepEqual(await rows(), want, what);
    };

    await page.getByTestId('filter-overdue').click();
    await page.waitForURL((u) => u.searchParams.get('overdue') === '1');
    await showsApi({ overdue: true }, 'every overdue case, marked, soonest deadline first');

    // A type filter too, chosen in the form: the URL keeps both, and a reload shows the same.
    const type = overdue.nodes[0].type;
    const label = { COMPLAINT: 'Complaint', REFUND_ONLY: 'Refund only', RETURN_REFUND: 'Return and refund', EXCHANGE: 'Exchange', WARRANTY_REPAIR: 'Warranty repair', ORDER_CANCEL: 'Cancel order' }[type];
    await page.getByLabel('Type').click();
    await page.locator('.ant-select-dropdown').getByTitle(label).click();
    await page.keyboard.press('Escape');
    await page.waitForURL((u) => u.searchParams.get('type') === type && u.searchParams.get('overdue') === '1');
    await showsApi({ overdue: true, type: [type] }, 'overdue cases of the type');
    const url = page.url();
    await page.waitForLoadState('networkidle'); // a reload mid-request would abort it (a failed request)
    await page.reload();
    assert.equal(page.url(), url);
    await page.getByTestId('cases-table').locator('tbody tr[data-case]').first().waitFor();
    await showsApi({ overdue: true, type: [type] }, 'the same after a reload');
    assert.equal(await page.getByTestId('filter-overdue').isChecked(), true);
    assert.match(await page.locator('.ant-select-selection-item', { hasText: label }).first().innerText(), new RegExp(label));

    // Without the filter, a row is marked exactly when its case is overdue.
    await page.getByRole('button', { name: 'Reset' }).click();
    await page.waitForURL((u) => u.search === '');
    await page.getByTestId('cases-table').locator('tbody tr[data-case]').first().waitFor();
    const late = new Set((await adminApi(q.replace('first: 20', 'first: 100'), { f: { overdue: true } })).afterSalesCases.nodes.map((c) => c.number));
    const shown = await rows();
    assert.ok(shown.length > 0);
    for (const [number, flag, tag] of shown) {
      assert.equal(flag === 'true', late.has(number), `${number} marked overdue exactly when it is`);
      assert.equal(tag, late.has(number), `${number} has the overdue tag exactly when it is overdue`);
    }
    assertNoProblems(problems);
  });

  test('the order list reads its page and filters from the URL: a numbered page over the API\'s cursors', async (t) => {
    const q = `query($first: Int!, $after: String, $f: OrderFilter) { orders(first: $first, after: $after, filter: $f) { totalCount pageInfo { endCursor } nodes { number } } }`;
    // Page 3 of ten completed orders placed last month (days in the store's time zone, Asia/Taipei; the demo
    // covers the 180 days before the server started).
    const taipei = new Date(Date.now() + 8 * 3600_000);
    const month = (y, m) => new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
    const [first, next] = [month(taipei.getUTCFullYear(), taipei.getUTCMonth() - 1), month(taipei.getUTCFullYear(), taipei.getUTCMonth())];
    const last = new Date(Date.parse(next) - 86400_000).toISOString().slice(0, 10);
    const f = { status: ['COMPLETED'], createdFrom: `${first}T00:00:00+08:00`, createdTo: `${next}T00:00:00+08:00` };
    const expected = async () => {
      const skip = (await ownerApi(q, { first: 20, after: null, f })).orders;
      const page3 = (await ownerApi(q, { first: 10, after: skip.pageInfo.endCursor, f })).orders;
      return { numbers: page3.nodes.map((o) => o.number), total: page3.totalCount };
    };
    const want = await expected();
    assert.ok(want.numbers.length > 0, 'the demo has completed orders last month');
    const path = `/orders?status=COMPLETED&from=${first}&to=${last}&page=3&size=10`;
    const { page, problems } = await signedIn(t, browser, OWNER, { path });
    const shown = () => page.getByTestId('order-link').allInnerTexts();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="order-link"]').length === n, want.numbers.length);
    assert.deepEqual(await shown(), want.numbers);
    assert.match(await page.locator('.ant-pagination-total-text').innerText(), new RegExp(`${want.total} orders`));
    assert.equal(await page.locator('.ant-pagination-item-active').innerText(), '3');
    // Next page, then back: the URL follows.
    await page.locator('.ant-pagination-next').click();
    await page.waitForURL((u) => u.searchParams.get('page') === '4');
    await page.goBack();
    await page.waitForURL((u) => u.searchParams.get('page') === '3');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="order-link"]').length === n, want.numbers.length);
    assert.deepEqual(await shown(), want.numbers);
    // A filter change goes back to the first page.
    await page.getByRole('tab', { name: /Cancelled/ }).click();
    await page.waitForURL((u) => u.searchParams.get('status') === 'CANCELLED' && !u.searchParams.has('page'));
    // Search by order number, as pasted (lower case, spaces): the one order, in the URL; a reload keeps it.
    await page.getByRole('button', { name: 'Reset' }).click();
    await page.waitForURL((u) => u.search === '');
    const one = want.numbers[0];
    await page.getByLabel('Order no.').fill(`  ${one.toLowerCase()} `);
    await page.getByLabel('Order no.').press('Enter');
    await page.waitForURL((u) => u.searchParams.get('number') === one.toLowerCase());
    await page.waitForFunction((n) => [...document.querySelectorAll('[data-testid="order-link"]')].map((e) => e.innerText).join() === n, one);
    assert.match(await page.locator('.ant-pagination-total-text').innerText(), /\b1 order/);
    await page.waitForLoadState('networkidle'); // a reload mid-request would abort it (a failed request)
    await page.reload();
    await page.waitForFunction((n) => [...document.querySelectorAll('[data-testid="order-link"]')].map((e) => e.innerText).join() === n, one);
    assert.equal(await page.getByLabel('Order no.').inputValue(), one.toLowerCase());
    // A number no order has: the empty state says the filters found nothing.
    await page.getByLabel('Order no.').fill(one + '999');
    await page.getByLabel('Order no.').press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="order-link"]').length === 0);
    assertNoProblems(problems);
  });

  test('(d) another store\'s merchant sees the not-found page for the case and the order, as for a made-up id', async (t) => {
    const { order, case: c } = state;
    const otherApi = await apiAs(req, OTHER_OWNER);
    const seen = await otherApi(`query($o: ID!, $c: ID!) { order(id: $o) { id } afterSalesCase(id: $c) { id } }`, { o: order.id, c: c.id });
    assert.deepEqual(seen, { order: null, afterSalesCase: null }, 'the API answers null');
    const [, storeUuid] = Buffer.from(c.id, 'base64url').toString().split(':');
    const madeUpCase = Buffer.from(`AfterSalesCase:${storeUuid}:${randomUUID()}`).toString('base64url');
    const madeUpOrder = Buffer.from(`Order:${storeUuid}:${randomUUID()}`).toString('base64url');
    const { page, problems } = await signedIn(t, browser, OTHER_OWNER);
    const notFound = async (path) => {
      await page.goto(BASE_URL + path);
      await page.locator('.ant-result-404').waitFor();
      const text = await page.locator('main, .ant-pro-layout-content, body').first().innerText();
      assert.doesNotMatch(text, new RegExp(`${c.number}|${order.number}`), 'nothing of the record shows');
      return page.locator('.ant-result').innerText();
    };
    const foreignCase = await notFound(`/cases/${encodeURIComponent(c.id)}`);
    const fakeCase = await notFound(`/cases/${encodeURIComponent(madeUpCase)}`);
    const foreignOrder = await notFound(`/orders/${encodeURIComponent(order.id)}`);
    const fakeOrder = await notFound(`/orders/${encodeURIComponent(madeUpOrder)}`);
    assert.equal(foreignCase, fakeCase);
    assert.equal(foreignOrder, fakeOrder);
    assert.equal(foreignCase, foreignOrder);
    assert.match(foreignCase, /Not found/);
    assertNoProblems(problems);
  });

  test('every page in each language: screenshots, no missing translation, no serious axe-core violation', async (t) => {
    const { order, case: c } = state;
    const pages = [
      ['orders-list', '/orders', (p) => p.getByTestId('order-link').first().waitFor()],
      ['order-detail', `/orders/${encodeURIComponent(order.id)}`, (p) => p.getByTestId('order-items').waitFor()],
      ['cases-queue', '/cases?openOnly=1', (p) => p.getByTestId('case-link').first().waitFor()],
      ['case-detail', `/cases/${encodeURIComponent(c.id)}`, (p) => p.waitForFunction(() => document.querySelector('[data-testid="evidence-item"] img')?.src.startsWith('data:'))],
    ];
    const { page, problems } = await signedIn(t, browser, OWNER);
    for (const lang of LANGS) {
      await page.evaluate((l) => localStorage.setItem('tradeguard.lang', l), lang);
      for (const [name, path, ready] of pages) {
        await page.goto(BASE_URL + path);
        await page.waitForFunction((l) => document.documentElement.lang === l, lang);
        await ready(page);
        await page.waitForLoadState('networkidle');
        await noMissingKeys(page, `${name} (${lang})`);
        if (lang === 'en') assert.deepEqual(await seriousViolations(page), [], `${name} accessibility`);
        await screenshot(t, page, `${name}-${lang}`);
      }
    }
    // The buyer's view of the same pages.
    const buyer = await signedIn(t, browser, BUYER, { path: `/cases/${encodeURIComponent(c.id)}` });
    await buyer.page.waitForFunction(() => document.querySelector('[data-testid="evidence-item"] img')?.src.startsWith('data:'));
    await buyer.page.waitForLoadState('networkidle');
    await noMissingKeys(buyer.page, 'case detail (buyer)');
    assert.deepEqual(await seriousViolations(buyer.page), [], 'case detail (buyer) accessibility');
    await screenshot(t, buyer.page, 'case-detail-buyer-en');
    await buyer.page.goto(BASE_URL + `/orders/${encodeURIComponent(order.id)}`);
    await buyer.page.getByTestId('order-items').waitFor();
    await buyer.page.waitForLoadState('networkidle');
    await screenshot(t, buyer.page, 'order-detail-buyer-en');
    assertNoProblems(problems);
    assertNoProblems(buyer.problems);
  });
});
