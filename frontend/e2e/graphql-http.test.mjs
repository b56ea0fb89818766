// The GraphQL-over-HTTP spec's audits (graphql-http's serverAudits) against the real server, run by
// scripts/e2e.sh (make e2e, development mode) with BASE_URL: anonymous and as an admin, whose token goes in
// every audit's request. Every audit must pass, with one deliberate exception outside development mode
// (README, "Limits and security"): four audits send an introspection query (__type(name: $name)), which
// only admins may run there, so anonymous callers get a FORBIDDEN error instead of the type.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAudits } from 'graphql-http';

const BASE_URL = process.env.BASE_URL;
if (!BASE_URL) throw new Error('BASE_URL is not set: run the tests with scripts/e2e.sh (make e2e)');
const url = BASE_URL + '/graphql';

const INTROSPECTION_AUDITS = ['2EA1', '28B9', 'D6D5', '6A70'];

async function login(email) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($i: LoginInput!) { login(input: $i) { accessToken userErrors { message } } }',
      variables: { i: { email, password: 'demo-password' } },
    }),
  });
  const token = (await res.json()).data?.login?.accessToken;
  assert.ok(token, `login ${email}`);
  return token;
}

// Development mode is where GraphiQL is served.
async function developmentMode() {
  const res = await fetch(BASE_URL + '/graphiql');
  await res.arrayBuffer();
  return res.status === 200;
}

// audit runs every audit and requires exactly the ids in notMet to fail (a MUST among them only when it is
// listed there).
async function audit(t, fetchFn, notMet) {
  const results = [];
  for (const a of serverAudits({ url, fetchFn })) results.push(await a.fn());
  const notOk = results.filter((r) => r.status !== 'ok');
  for (const r of notOk) t.diagnostic(`${r.status} ${r.id} ${r.name}: ${r.reason}`);
  t.diagnostic(`${results.length - notOk.length} of ${results.length} audits ok`);
  const failed = (r) => `${r.id} ${r.name}: ${r.reason}`;
  assert.deepEqual(notOk.filter((r) => r.status === 'error' && !notMet.includes(r.id)).map(failed), [], 'MUST audits failed');
  assert.deepEqual(notOk.map((r) => r.id).sort(), [...notMet].sort(), 'the audits not met changed: update this test and the README');
}

describe('GraphQL over HTTP audits (graphql-http)', () => {
  test('anonymous', async (t) => {
    const dev = await developmentMode();
    t.diagnostic(dev ? 'development mode: introspection for everyone' : 'production mode: introspection for admins only');
    await audit(t, fetch, dev ? [] : INTROSPECTION_AUDITS);
  });

  test('as an admin', async (t) => {
    const token = await login('admin@tradeguard.test');
    await audit(t, (input, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set('Authorization', 'Bearer ' + token);
      return fetch(input, { ...init, headers });
    }, []);
  });
});
