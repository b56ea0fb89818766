// Browser test of a dispute from the refusal to the ruling, and of what the ruling does to the store's
// numbers: the merchant rejects a refund in the UI (the session expiring while the reason is being typed),
// the buyer asks the platform in the UI, an admin rules for the buyer in the UI, and the dispute rate and
// the score move on the merchant's dashboard and, after a recomputation, on the admin's scoreboard, each as
// the API says. The data is its own: buyer14 places, pays and receives a fresh order at lotus-electronics.
// Environment: BASE_URL, CHROMIUM, E2E_ARTIFACTS (screenshots; default a temporary directory).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request } from 'playwright-core';
import { screenshot } from './artifacts.mjs';
import { BASE_URL, launch } from './browser.mjs';
import { api, apiAs, assertNoProblems, signedIn } from './session.mjs';

const BUYER = 'buyer14@tradeguard.test';
const OWNER = 'owner@lotus-electronics.test';
const ADMIN = 'admin@tradeguard.test';

let browser;
let req;
let buyerApi;
let ownerApi;
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

const HEALTH = `{ viewer { store { id metrics { disputeRate { numerator denominator rate } }
  score { score level subScores { metric numerator subScore } } } } }`;
const CASE = `query($id: ID!) { afterSalesCase(id: $id) { id number status version availableActions
  rejectionReason timeline { action actor } ruling liability } }`;

async function waitStatus(page, want) {
  await page.waitForFunction(
    (w) => document.querySelector('[data-testid="case-status"]')?.getAttribute('data-status') === w,
    want,
  );
}

// until runs check (null when the page shows what the API says, else what differs), reloading while they
// differ: the other browser-test files run at the same time and may move lotus's numbers between two reads.
async function until(page, check) {
  let differs;
  for (let i = 0; i < 5; i++) {
    differs = await check();
    if (differs === null) return;
    await page.reload();
  }
  assert.fail(differs);
}

describe('a dispute, ruled for the buyer, moves the store\'s numbers', () => {
  test('setup: a fresh order at lotus-electronics, shipped and delivered, and a refund request (API)', async () => {
    const { products } = await buyerApi(`{ products(first: 50) { nodes { id title store { id slug } } } }`);
    const kit = products.nodes.find((p) => p.store.slug === 'lotus-electronics' && p.title === 'Screen Cleaning Kit');
    assert.ok(kit, 'lotus sells the cleaning kit');
    const created = await buyerApi(
      `mutation($i: OrderCreateInput!) { orderCreate(input: $i) { order { id items { id } } userErrors { code message } } }`,
      {
        i: {
          storeId: kit.store.id,
          lines: [{ productId: kit.id, quantity: 1 }],
          paymentMethod: 'CARD',
          shippingAddress: { name: 'Dispute Tester', phone: '+886 2 2345 6789', address: '9 Xinyi Road, Taipei 110' },
        },
      },
    );
    assert.deepEqual(created.orderCreate.userErrors, []);
    const order = created.orderCreate.order;
    const paid = await buyerApi(`mutation($i: OrderPayInput!) { orderPay(input: $i) { userErrors { code message } } }`, {
      i: { orderId: order.id, idempotencyKey: randomUUID() },
    });
    assert.deepEqual(paid.orderPay.userErrors, []);
    const shipped = await ownerApi(`mutation($i: OrderShipInput!) { orderShip(input: $i) { userErrors { code message } } }`, {
      i: { orderId: order.id, carrier: 'T-Cat', trackingNumber: `DS-${Date.now()}` },
    });
    assert.deepEqual(shipped.orderShip.userErrors, []);
    const delivered = await ownerApi(`mutation($i: OrderMarkDeliveredInput!) { orderMarkDelivered(input: $i) { userErrors { code message } } }`, {
      i: { orderId: order.id },
    });
    assert.deepEqual(delivered.orderMarkDelivered.userErrors, []);
    state.before = (await ownerApi(HEALTH)).viewer.store;
    const opened = await buyerApi(
      `mutation($i: AfterSalesCaseCreateInput!) { afterSalesCaseCreate(input: $i) { case { id number status } userErrors { code message } } }`,
      { i: { orderId: order.id, type: 'REFUND_ONLY', reason: 'QUALITY_DEFECT', items: [{ orderItemId: order.items[0].id, quantity: 1 }], description: 'The cloth arrived torn.' } },
    );
    assert.deepEqual(opened.afterSalesCaseCreate.userErrors, []);
    state.case = opened.afterSalesCaseCreate.case;
    assert.equal(state.case.status, 'REQUESTED');
  });

  test('the merchant rejects; the access token expires while the reason is typed and nothing is lost', async (t) => {
    const c = state.case;
    const { page, problems } = await signedIn(t, browser, OWNER, { path: `/cases/${encodeURIComponent(c.id)}` });
    await waitStatus(page, 'REQUESTED');
    await page.getByTestId('case-action-REJECT').click();
    const d = page.getByRole('dialog');
    await d.waitFor();
    const reason = 'The photos show the cloth intact when packed.\nSecond line: 不是瑕疵。';
    await d.locator('textarea').fill(reason);
    // The session expires mid-work: the stored token is out of date and the server would refuse it.
    const old = await page.evaluate(() => {
      const s = JSON.parse(localStorage.getItem('tradeguard.session'));
      const refresh = s.refreshToken;
      s.accessTokenExpiresAt = new Date(Date.now() - 1000).toISOString();
      s.accessToken = s.accessToken.slice(0, -4) + 'AAAA';
      localStorage.setItem('tradeguard.session', JSON.stringify(s));
      return refresh;
    });
    assert.equal(await d.locator('textarea').inputValue(), reason, 'the form is as it was');
    await page.getByTestId('case-action-REJECT-submit').click();
    await waitStatus(page, 'REJECTED');
    assert.equal(new URL(page.url()).pathname, `/cases/${encodeURIComponent(c.id)}`, 'still on the case');
    assert.notEqual(await page.evaluate(() => JSON.parse(localStorage.getItem('tradeguard.session')).refreshToken), old, 'renewed');
    const got = (await ownerApi(CASE, { id: c.id })).afterSalesCase;
    assert.equal(got.status, 'REJECTED');
    assert.equal(got.rejectionReason, reason, 'the reason sent is the one typed before the renewal');
    assertNoProblems(problems);
  });

  test('the buyer asks the platform to step in', async (t) => {
    const c = state.case;
    const { page, problems } = await signedIn(t, browser, BUYER, { path: `/cases/${encodeURIComponent(c.id)}` });
    await waitStatus(page, 'REJECTED');
    await page.getByText('The photos show the cloth intact when packed.').first().waitFor();
    await page.getByTestId('case-action-ESCALATE').click();
    await page.getByRole('dialog').waitFor();
    await page.getByTestId('case-action-ESCALATE-submit').click();
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await page.waitForFunction(() => document.querySelector('[data-testid="case-status"]')?.getAttribute('data-status') !== 'REJECTED');
    const got = (await buyerApi(CASE, { id: c.id })).afterSalesCase;
    assert.notEqual(got.status, 'REJECTED');
    assert.ok(got.timeline.some((e) => e.action === 'ESCALATE' && e.actor === 'BUYER'), 'the API recorded the escalation');
    await waitStatus(page, got.status);
    state.escalated = got.status;
    assertNoProblems(problems);
  });

  test('an admin finds it in the arbitration queue and rules for the buyer, merchant liable, full refund', async (t) => {
    const c = state.case;
    const { page, problems } = await signedIn(t, browser, ADMIN, { path: '/admin/arbitration' });
    await page.getByTestId('queue-case').filter({ hasText: c.number }).click();
    await page.waitForURL((u) => u.pathname === `/cases/${encodeURIComponent(c.id)}`);
    await waitStatus(page, state.escalated);
    await page.getByTestId('case-action-RULE').click();
    const d = page.getByRole('dialog');
    await d.waitFor();
    await d.getByRole('combobox').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: /^The store$/ }).click();
    await d.locator('textarea').fill('The store did not show the item was sound.');
    await page.getByTestId('case-action-RULE-submit').click();
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    const got = (await api(page, CASE, { id: c.id })).afterSalesCase;
    assert.match(got.ruling ?? '', /BUYER/, 'ruled for the buyer');
    assert.equal(got.liability, 'MERCHANT');
    await waitStatus(page, got.status);
    await screenshot(t, page, 'dispute-ruled-en');
    assertNoProblems(problems);
  });

  test('the merchant dashboard shows the new dispute rate and score, as the API does', async (t) => {
    const { page, problems } = await signedIn(t, browser, OWNER, { path: '/dashboard' });
    const b = state.before;
    let s;
    await until(page, async () => {
      await page.getByTestId('score-value').waitFor();
      s = (await ownerApi(HEALTH)).viewer.store;
      const m = s.metrics.disputeRate;
      const score = (await page.getByTestId('score-value').innerText()).trim();
      const card = await page.getByTestId('metric-disputeRate').innerText();
      if (score !== s.score.score.toFixed(1)) return `the dashboard's score ${score}, the API's ${s.score.score}`;
      if (!card.includes(`${m.numerator} of ${m.denominator} orders`) || !card.includes(`${(m.rate * 100).toFixed(2)}%`)) return `dispute card: ${card}`;
      return null;
    });
    assert.equal(s.metrics.disputeRate.numerator, b.metrics.disputeRate.numerator + 1, 'one more order ruled against the store');
    const sub = (x) => x.score.subScores.find((u) => u.metric === 'disputeRate').subScore;
    assert.ok(sub(s) < sub(b), `the dispute sub-score fell: ${sub(b)} → ${sub(s)}`);
    assert.ok(s.score.score < b.score.score, `the score fell: ${b.score.score} → ${s.score.score}`);
    assertNoProblems(problems);
  });

  test('after a recomputation the admin scoreboard shows the store\'s new score, as the API does', async (t) => {
    const { page, problems } = await signedIn(t, browser, ADMIN, { path: '/admin/scoreboard' });
    await page.locator('[data-testid=scoreboard] tr.ant-table-row').first().waitFor();
    const lotusId = (await ownerApi(HEALTH)).viewer.store.id;
    const row = page.locator(`[data-testid=scoreboard] tr.ant-table-row[data-row-key="${lotusId}"]`);
    await page.getByTestId('recompute').click();
    await page.locator('.ant-modal-confirm .ant-btn-primary').click();
    await page.getByTestId('recompute-progress').waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid=recompute-progress]')?.getAttribute('data-status') !== 'RUNNING', null, { timeout: 60_000 });
    assert.equal(await page.getByTestId('recompute-progress').getAttribute('data-status'), 'SUCCEEDED');
    const ROW = `{ scoreboard(first: 100) { nodes { store { id } score { score level subScores { metric numerator } } } } }`;
    let snap;
    await until(page, async () => {
      await row.waitFor();
      snap = (await api(page, ROW)).scoreboard.nodes.find((n) => n.store.id === lotusId).score;
      const shown = (await row.getByTestId('score').innerText()).trim();
      return shown === snap.score.toFixed(1) ? null : `the scoreboard shows ${shown}, the API ${snap.score}`;
    });
    // The snapshot counts the ruling: its dispute numerator is the live one's, one more than before.
    const disputes = snap.subScores.find((u) => u.metric === 'disputeRate').numerator;
    assert.equal(disputes, state.before.metrics.disputeRate.numerator + 1, 'the recomputed score counts the ruling');
    assert.ok(snap.score < state.before.score.score, `the scoreboard's score fell: ${state.before.score.score} → ${snap.score}`);
    assertNoProblems(problems);
  });
});
