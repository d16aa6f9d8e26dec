import {
  Client,
  CombinedError,
  fetchExchange,
  mapExchange,
  subscriptionExchange,
  type Exchange,
  type SubscriptionForwarder,
} from '@urql/core';
import type { DocumentNode } from 'graphql';
import { persistedExchange } from '@urql/exchange-persisted';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import type { GraphqlClientConfig, TokenRefresher } from './client-config.ts';
import { toWebSocketUrl } from './ws-url.ts';

export interface CreateGraphqlClientOptions extends GraphqlClientConfig {
  /** Send operations as persisted (hash first, full text on PersistedQueryNotFound). Default true. */
  persisted?: boolean;
  /** Open the websocket for subscriptions. Default true. */
  subscriptions?: boolean;
  /** For tests: replaces globalThis.fetch. */
  fetch?: typeof fetch;
  /** For tests: replaces globalThis.WebSocket. */
  webSocketImpl?: unknown;
}

export interface GraphqlClient {
  client: Client;
  /** The graphql-ws client, when subscriptions are enabled. */
  ws: WsClient | null;
  /**
   * Calls `listener` each time the websocket connects again after losing its connection,
   * when changes may have been missed; returns a function that removes the listener.
   */
  onReconnected(listener: () => void): () => void;
  /** Closes the websocket; the urql client must not be used afterwards. */
  dispose(): void;
}

const authorization = (token: string | null | undefined) => (token ? `Bearer ${token}` : undefined);

/**
 * Wraps `fetch` for an endpoint that takes `Authorization: Bearer <token>`: a request that
 * carried a token and was refused with 401 is sent once more, with the token `refresh()`
 * gives, when that is a different token. Anything else (including a second 401, or a
 * refresh that gives no token) is returned as the server answered. The request body must
 * be re-sendable (a string, as urql sends it); `input` should be a URL, not a Request.
 */
export function refreshingFetch(refresh: TokenRefresher, base?: typeof fetch): typeof fetch {
  // Looked up at call time, so a test (or a polyfill) replacing globalThis.fetch is seen.
  const send: typeof fetch = base ?? ((input, init) => globalThis.fetch(input, init));
  return async (input, init) => {
    const response = await send(input, init);
    if (response.status !== 401) return response;
    const sent = new Headers(init?.headers).get('authorization');
    if (!sent) return response;
    const fresh = authorization(await refresh().catch(() => null));
    if (!fresh || fresh === sent) return response;
    void response.body?.cancel().catch(() => {});
    const headers = new Headers(init?.headers);
    headers.set('authorization', fresh);
    return send(input, { ...init, headers });
  };
}

/** Close codes with which a graphql-transport-ws server refuses the connection's token. */
const tokenRefusedCloseCodes = new Set([4401, 4403]);

/** What codegen (see codegen.mjs) puts on every generated document. */
interface PersistedMeta {
  text?: string;
  hash?: string;
}
const metaOf = (document: DocumentNode): PersistedMeta | undefined =>
  (document as DocumentNode & { __meta__?: PersistedMeta }).__meta__;

/**
 * Makes urql send a generated document's own text (the one codegen hashed) instead of its
 * re-printed AST: urql takes an operation's text from `document.loc.source.body`.
 */
export const persistedTextExchange: Exchange = mapExchange({
  onOperation(operation) {
    const text = metaOf(operation.query)?.text;
    if (text && operation.query.loc?.source.body !== text) {
      (operation.query as { loc: unknown }).loc = {
        start: 0,
        end: text.length,
        source: { body: text, name: 'gql', locationOffset: { line: 1, column: 1 } },
      };
    }
    return operation;
  },
});

// A hash it does not know (yet): send the full text once, keep persisting.
const notFound = /persisted.?query.?not.?found|PERSISTED_QUERY_NOT_FOUND|unknown persisted/i;
// A server without persisted operations (it says so, or it just sees no query text): send
// the full text, and stop sending hashes for the life of this client.
const notSupported =
  /persisted.?quer(y|ies).?not.?supported|PERSISTED_QUERY_NOT_SUPPORTED|query is empty|empty query|must provide (a )?query|missing query|no query (string )?(was )?(provided|given|found)/i;

/**
 * Turns a server's way of saying "I don't know this hash" or "I don't do persisted
 * operations" into the messages @urql/exchange-persisted reacts to
 * ("PersistedQueryNotFound" / "PersistedQueryNotSupported"), for hash-only requests that got
 * no data back. So the full-text fallback works whichever dialect the router speaks.
 */
export const persistedDialectExchange: Exchange = mapExchange({
  onResult(result) {
    const pq = result.operation.extensions?.persistedQuery as { miss?: boolean } | undefined;
    if (!pq || pq.miss || !result.error || result.data) return result;
    const said = result.error.graphQLErrors.flatMap((e) => [e.message, String(e.extensions?.code ?? '')]);
    const message = said.some((m) => /^PersistedQuery(NotFound|NotSupported)$/.test(m))
      ? undefined
      : said.some((m) => notSupported.test(m))
        ? 'PersistedQueryNotSupported'
        : said.some((m) => notFound.test(m))
          ? 'PersistedQueryNotFound'
          : undefined;
    if (!message) return result;
    return { ...result, error: new CombinedError({ graphQLErrors: [{ message }], response: result.error.response }) };
  },
});

/** The SHA-256 hex of an operation's text: codegen's, else computed (secure contexts only). */
export async function operationHash(text: string, document: DocumentNode): Promise<string> {
  const hash = metaOf(document)?.hash;
  if (hash) return hash.replace(/^sha256:/, '');
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return '';
  const digest = await subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Builds the urql client one micro-frontend uses for its slice of the graph.
 *
 * - HTTP: POST (or GET for persisted queries that fit in a URL) to `url`, with
 *   `Authorization: Bearer <token>` from `getToken()` on every request.
 * - Persisted operations: the client sends `extensions.persistedQuery.sha256Hash`, the
 *   SHA-256 of the operation's text. The generated documents carry the same text codegen
 *   hashed into `schema/persisted/<app>.json` (see `persistedTextExchange`), so the hash is the
 *   manifest's key. When the server answers `PersistedQueryNotFound` the operation is sent
 *   again with its full text (APQ), and `PersistedQueryNotSupported` turns persisting off.
 * - Subscriptions: graphql-ws (graphql-transport-ws) on `wsUrl` (default: `url` with ws(s)),
 *   lazily connected, token in the connection_init payload as
 *   `{"authorization": "Bearer <token>"}` (read again on every connection), reconnecting with
 *   capped back-off. Subscriptions carry their full text.
 * - Expired or ended tokens, when `refresh` is given: an HTTP request answered 401 is sent
 *   once more with the refreshed token (see `refreshingFetch`); a socket closed with
 *   4401/4403 (token refused, or its session ended) calls `refresh` once before the next
 *   connection, which then carries the new token.
 */
export function createGraphqlClient(options: CreateGraphqlClientOptions): GraphqlClient {
  const { url, getToken, refresh, persisted = true, subscriptions = true } = options;
  // No document cache: it would rewrite documents (adding __typename) so their text would
  // no longer match the persisted manifest. Each feature keeps its own state.
  const exchanges: Exchange[] = [persistedTextExchange];
  if (persisted) {
    exchanges.push(
      persistedExchange({
        generateHash: operationHash,
        enableForMutation: true,
        enableForSubscriptions: false,
        preferGetForPersistedQueries: 'within-url-limit',
      }),
      persistedDialectExchange,
    );
  }

  let ws: WsClient | null = null;
  // Set when the server closed the socket for its token: the next connection refreshes
  // first. At most once between two acknowledged connections, so a refused fresh token
  // does not turn into a refresh loop.
  let refreshBeforeConnect = false;
  let refreshedSinceConnected = false;
  if (subscriptions) {
    ws = createWsClient({
      url: options.wsUrl ?? toWebSocketUrl(url),
      lazy: true,
      // Keep reconnecting (graphql-ws still gives up on fatal close codes such as 4401),
      // backing off exponentially up to 30 s, with jitter so clients do not stampede.
      retryAttempts: Infinity,
      shouldRetry: () => true,
      retryWait: (retries) =>
        new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1000 * 2 ** retries) + Math.random() * 1000)),
      connectionParams: async () => {
        if (refreshBeforeConnect && refresh) {
          refreshBeforeConnect = false;
          refreshedSinceConnected = true;
          await refresh().catch(() => null);
        }
        const value = authorization(getToken());
        return value ? { authorization: value } : {};
      },
      ...(options.webSocketImpl ? { webSocketImpl: options.webSocketImpl } : {}),
    });
    const socket = ws;
    if (refresh) {
      socket.on('connected', () => {
        refreshedSinceConnected = false;
      });
      socket.on('closed', (event) => {
        const code = (event as { code?: unknown } | null)?.code;
        if (typeof code === 'number' && tokenRefusedCloseCodes.has(code) && !refreshedSinceConnected) {
          refreshBeforeConnect = true;
        }
      });
    }
    const forwardSubscription: SubscriptionForwarder = (request) => {
      const input = { ...request, query: request.query ?? '' };
      return {
        subscribe(sink) {
          const unsubscribe = socket.subscribe(input, sink);
          return { unsubscribe };
        },
      };
    };
    exchanges.push(subscriptionExchange({ forwardSubscription }));
  }
  exchanges.push(fetchExchange);

  const client = new Client({
    url,
    exchanges,
    preferGetMethod: false,
    ...(refresh ? { fetch: refreshingFetch(refresh, options.fetch) } : options.fetch ? { fetch: options.fetch } : {}),
    fetchOptions: () => {
      const value = authorization(getToken());
      return value ? { headers: { authorization: value } } : {};
    },
  });

  return {
    client,
    ws,
    onReconnected(listener) {
      if (!ws) return () => {};
      return ws.on('connected', (_socket, _payload, wasRetry) => {
        if (wasRetry) listener();
      });
    },
    dispose() {
      void ws?.dispose();
    },
  };
}
