import { useState, type FormEvent } from 'react';
import { gql } from './api';

// Placeholder portal: what tradeguard is, where the API is, and a sign-in that shows who you are. The real
// merchant/admin portal (a later issue, in src/features/) replaces this component.

interface LoginPayload {
  login: { accessToken: string | null; userErrors: { code: string; message: string }[] } | null;
}

const LOGIN = 'mutation($i: LoginInput!){ login(input:$i){ accessToken userErrors{ code message } } }';
const WHO_AM_I = '{ viewer { role staffRole email store { name } } orders(first: 5) { totalCount } }';

// The server marks the page in development mode, the only mode with GraphiQL (index.html).
const graphiql = document.querySelector<HTMLMetaElement>('meta[name="tradeguard-graphiql"]')?.content === 'on';

export function App() {
  const [email, setEmail] = useState('owner@lotus-electronics.test');
  const [password, setPassword] = useState('demo-password');
  const [out, setOut] = useState('');

  async function signIn(e: FormEvent) {
    e.preventDefault();
    const r = await gql<LoginPayload>(LOGIN, { i: { email, password } });
    const p = r.data?.login;
    if (!p?.accessToken) {
      setOut(p?.userErrors[0]?.message || r.errors?.[0]?.message || 'sign-in failed');
      return;
    }
    const v = await gql<unknown>(WHO_AM_I, undefined, p.accessToken);
    setOut(JSON.stringify(v.data, null, 2));
  }

  return (
    <main>
      <h1>
        <img src="/favicon.svg" alt="" width="32" height="32" /> tradeguard
      </h1>
      <p>
        The after-sales and merchant-health back office of an online marketplace: buyers open after-sales
        cases on their orders, merchants handle them under deadlines, and the platform arbitrates disputes and
        scores every merchant from what really happened.
      </p>
      <p>
        The merchant and admin portal is coming. Meanwhile the GraphQL API is at <code>/graphql</code>
        {graphiql ? (
          <>
            {' '}
            and you can try it in <a href="/graphiql">GraphiQL</a>.
          </>
        ) : (
          <> (GraphiQL is at /graphiql in development mode: <code>make run</code>).</>
        )}
      </p>
      <h2>Sign in to check your access</h2>
      <form id="login" onSubmit={signIn}>
        <input id="email" type="email" autoComplete="username" placeholder="e-mail" value={email} onChange={(e) => setEmail(e.target.value)} required />
        <input id="password" type="password" autoComplete="current-password" placeholder="password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        <button type="submit">Sign in</button>
      </form>
      <p id="out" aria-live="polite">
        {out}
      </p>
    </main>
  );
}
