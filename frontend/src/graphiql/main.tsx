import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL, type GraphiQLProps } from 'graphiql';
import 'graphiql/style.css';
import './graphiql.css';

// GraphiQL for development mode (/graphiql), bundled from npm packages so it needs no outside host.

// GraphiQL's dialogs (react-remove-scroll) add a <style> element with __webpack_nonce__ as its nonce: the
// page's style nonce (index.html; the server's Content-Security-Policy allows no other inline style).
declare global {
  var __webpack_nonce__: string | undefined;
}
globalThis.__webpack_nonce__ = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce;

// POST /graphql as the GraphQL-over-HTTP spec has it, with the headers typed in the Headers tab. A request
// error comes back as 4xx with {"errors": …}: shown as is.
const fetcher: GraphiQLProps['fetcher'] = async (params, opts) => {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/graphql-response+json, application/json;q=0.9',
      ...(opts?.headers as Record<string, string> | undefined),
    },
    body: JSON.stringify(params),
  });
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return `HTTP ${res.status}: ${text}`;
  }
};

const defaultQuery = `# tradeguard GraphiQL (development mode). To call the API as someone, run SignIn,
# then put {"Authorization": "Bearer <accessToken>"} in the Headers tab below and run WhoAmI.
# The demo logins are printed by \`make run\`; every password is demo-password.

mutation SignIn {
  login(input: {email: "admin@tradeguard.test", password: "demo-password"}) {
    accessToken
    userErrors { code message }
  }
}

query WhoAmI {
  viewer { role email store { name } }
}
`;

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} defaultQuery={defaultQuery} />
  </StrictMode>,
);
