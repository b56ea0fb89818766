// GraphiQL in the machine's chromium (scripts/e2e.sh runs the server in development mode, where /graphiql
// is served): it loads from the server alone, with nothing blocked by the Content-Security-Policy, loads the
// schema, and runs a query.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, openPage } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// The query editor is CodeMirror 5; typing into it would fight its bracket closing, so its API sets the text.
// GraphiQL takes the change in a moment later: the active tab is then named after the (one, unnamed)
// operation, so the run button runs it rather than asking which of the default document's two to run.
async function setQuery(page, query) {
  await page.waitForSelector('.graphiql-query-editor .CodeMirror');
  await page.evaluate((q) => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q), query);
  await page.waitForFunction(() => document.querySelector('.graphiql-tab-active')?.textContent.includes('<untitled>'));
}

async function responseText(page) {
  return page.evaluate(() => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() ?? '');
}

describe('GraphiQL', () => {
  test('loads from the server alone, introspects the schema and runs { __typename }', async (t) => {
    const { page, problems, requests, res, watched: introspection } = await openPage(t, browser, '/graphiql', {
      watch: (page) => page.waitForResponse((r) => r.url() === BASE_URL + '/graphql' &&
        (r.request().postData() ?? '').includes('IntrospectionQuery')),
    });
    assert.equal(res.status(), 200, 'GET /graphiql');
    assert.equal(await page.title(), 'tradeguard GraphiQL');
    const schema = await introspection;
    assert.equal(schema.status(), 200, 'introspection');
    const body = await schema.json();
    assert.equal(body.errors, undefined, `introspection errors: ${JSON.stringify(body.errors)}`);
    assert.ok(body.data.__schema.types.some((ty) => ty.name === 'AfterSalesCase'), 'the schema came back');

    await setQuery(page, '{ __typename }');
    const answered = page.waitForResponse((r) => r.url() === BASE_URL + '/graphql' && (r.request().postData() ?? '').includes('__typename'));
    await page.click('.graphiql-execute-button');
    assert.equal((await answered).status(), 200);
    await page.waitForFunction(() => (document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() ?? '').includes('Query'));
    // The answer, and what it cost (the throttle's report; in development mode GraphiQL runs anonymously).
    const answer = JSON.parse(await responseText(page));
    assert.deepEqual(answer.data, { __typename: 'Query' });
    assert.equal(answer.extensions.cost.requestedQueryCost, 1);

    // Opening a dialog makes GraphiQL add a <style>: the page's nonce must let it through.
    await page.click('[aria-label="Open settings dialog"]');
    await page.waitForSelector('[role="dialog"]');
    await page.keyboard.press('Escape');

    await page.waitForLoadState('networkidle');
    assert.ok(requests.some((u) => u.includes('/assets/graphiql-')), `its script came from the server: ${requests.join(' ')}`);
    assert.deepEqual(problems, [], 'console errors, blocked content, failed requests or requests elsewhere');
  });

  test('a request error shows the server\'s errors', async (t) => {
    const { page, problems } = await openPage(t, browser, '/graphiql');
    await setQuery(page, '{ nope }');
    const answered = page.waitForResponse((r) => r.url() === BASE_URL + '/graphql' && (r.request().postData() ?? '').includes('nope'));
    await page.click('.graphiql-execute-button');
    // GraphiQL asks for application/graphql-response+json: a validation error is a 400 with no data.
    assert.equal((await answered).status(), 400);
    await page.waitForFunction(() => (document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() ?? '').includes('errors'));
    const shown = JSON.parse(await responseText(page));
    assert.equal(shown.data, undefined);
    assert.equal(shown.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
    // The 400 itself is expected here; anything else is a problem.
    assert.deepEqual(problems.filter((p) => !/400/.test(p)), []);
  });

  test('the portal links to it in development mode', async (t) => {
    const { page, problems } = await openPage(t, browser, '/');
    await page.click('a[href="/graphiql"]');
    await page.waitForURL(BASE_URL + '/graphiql');
    await page.waitForSelector('.graphiql-query-editor .CodeMirror');
    await page.waitForLoadState('networkidle');
    assert.deepEqual(problems, []);
  });
});
