import { Client, cacheExchange, fetchExchange } from 'urql';
import { authExchange } from '@urql/exchange-auth';
import { persistedExchange } from '@urql/exchange-persisted';
import { expiresSoon, getSession, renew } from '../auth/session';

// The portal's GraphQL client. Every operation carries the session's access token; one that is about to
// expire is renewed first, and a request refused as UNAUTHENTICATED is renewed and sent again, so a form
// being filled survives the 15-minute token. When renewal fails the session is cleared and the app returns
// to sign-in (App.tsx listens for that). Queries go as automatic persisted queries: the SHA-256 of the text
// first, the text only when the server has not seen it yet (README: Calling the API); mutations (uploads
// among them) always carry their text.
export function createClient(): Client {
  return new Client({
    url: '/graphql',
    // Each page asks for what it shows when it shows it; mutations refetch what they change.
    requestPolicy: 'cache-and-network',
    // GraphQL-Require-Preflight: the server takes file uploads (multipart) only with it, as CSRF protection.
    fetchOptions: { headers: { Accept: 'application/graphql-response+json, application/json;q=0.9', 'GraphQL-Require-Preflight': '1' } },
    exchanges: [
      cacheExchange,
      authExchange(async (utils) => ({
        addAuthToOperation(op) {
          const s = getSession();
          return s ? utils.appendHeaders(op, { Authorization: 'Bearer ' + s.accessToken }) : op;
        },
        willAuthError() {
          const s = getSession();
          return !!s && expiresSoon(s);
        },
        didAuthError(err) {
          return err.response?.status === 401 || err.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
        },
        async refreshAuth() {
          await renew();
        },
      })),
      // POST, not GET: the answers depend on the Authorization header, so nothing is to be gained from caches.
      persistedExchange({ preferGetForPersistedQueries: false }),
      fetchExchange,
    ],
  });
}
