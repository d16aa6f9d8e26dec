import { parse, type DocumentNode } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createGraphqlClient, refreshingFetch } from './create-client.ts';

// What the client does when the server refuses its access token: over HTTP (401) it
// refreshes once and sends the request again; over the websocket (close 4403) it refreshes
// once before reconnecting. fetch and WebSocket are stand-ins here: the shell's Vitest and
// the Playwright session spec run the real thing.

const query = { ...parse('query Me { me { id } }', { noLocation: true }) } as DocumentNode;
const subscription = parse('subscription Changes { todoChanged { kind } }', { noLocation: true });

interface Sent {
  authorization: string | null;
}

/** A GraphQL endpoint that accepts only the tokens in `valid`. */
function tokenCheckingServer(valid: Set<string>) {
  const sent: Sent[] = [];
  const fetch = async (_input: RequestInfo | URL, init?: RequestInit) => {
    const authorization = new Headers(init?.headers).get('authorization');
    sent.push({ authorization });
    if (authorization && !valid.has(authorization.replace(/^Bearer /, ''))) {
      return new Response(JSON.stringify({ errors: [{ message: 'token expired', extensions: { code: 'UNAUTHENTICATED' } }] }), {
        status: 401,
        headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' },
      });
    }
    return new Response(JSON.stringify({ data: { me: { id: 'u1' } } }), {
      status: 200,
      headers: { 'content-type': 'application/graphql-response+json' },
    });
  };
  return { sent, fetch: fetch as typeof globalThis.fetch };
}

describe('createGraphqlClient with refresh, over HTTP', () => {
  it('refreshes once on a 401 and sends the request again with the new token', async () => {
    let token = 'expired';
    const server = tokenCheckingServer(new Set(['fresh']));
    const refresh = vi.fn(async () => {
      token = 'fresh';
      return token;
    });
    const { client } = createGraphqlClient({
      url: '/graphql',
      getToken: () => token,
      refresh,
      persisted: false,
      subscriptions: false,
      fetch: server.fetch,
    });

    const result = await client.query(query, {}).toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data).toEqual({ me: { id: 'u1' } });
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(server.sent.map((s) => s.authorization)).toEqual(['Bearer expired', 'Bearer fresh']);

    // The next request uses the new token straight away.
    await client.query(query, {}, { requestPolicy: 'network-only' }).toPromise();
    expect(server.sent.at(-1)?.authorization).toBe('Bearer fresh');
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('hands the 401 on when the session has ended (refresh gives no token)', async () => {
    const server = tokenCheckingServer(new Set());
    const refresh = vi.fn(async () => null);
    const { client } = createGraphqlClient({
      url: '/graphql',
      getToken: () => 'revoked',
      refresh,
      persisted: false,
      subscriptions: false,
      fetch: server.fetch,
    });
    const result = await client.query(query, {}).toPromise();
    expect(result.error?.response?.status).toBe(401);
    expect(result.error?.graphQLErrors[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(server.sent).toHaveLength(1);
  });

  it('tries only once: a refreshed token that is refused too is the answer', async () => {
    let n = 0;
    const server = tokenCheckingServer(new Set());
    const refresh = vi.fn(async () => `refreshed-${++n}`);
    const send = refreshingFetch(refresh, server.fetch);
    const response = await send('/graphql', { method: 'POST', headers: { authorization: 'Bearer old' }, body: '{}' });
    expect(response.status).toBe(401);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(server.sent.map((s) => s.authorization)).toEqual(['Bearer old', 'Bearer refreshed-1']);
  });

  it('does not refresh for a request sent without a token, nor resend the same token', async () => {
    const server = tokenCheckingServer(new Set());
    const refresh = vi.fn(async () => 'same');
    const send = refreshingFetch(refresh, server.fetch);
    expect((await send('/graphql', { method: 'POST', body: '{}' })).status).toBe(200);
    expect(refresh).not.toHaveBeenCalled();
    expect((await send('/graphql', { method: 'POST', headers: { authorization: 'Bearer same' }, body: '{}' })).status).toBe(401);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(server.sent.map((s) => s.authorization)).toEqual([null, 'Bearer same']);
  });

  it('leaves a 401 alone when no refresher is given', async () => {
    const server = tokenCheckingServer(new Set());
    const { client } = createGraphqlClient({
      url: '/graphql',
      getToken: () => 'expired',
      persisted: false,
      subscriptions: false,
      fetch: server.fetch,
    });
    const result = await client.query(query, {}).toPromise();
    expect(result.error?.response?.status).toBe(401);
    expect(server.sent).toHaveLength(1);
  });
});

/**
 * A stand-in for the browser's WebSocket driven by an in-memory graphql-transport-ws server
 * that acknowledges the connections whose token `accepts` and closes the others with 4403.
 */
function fakeWebSocketServer(accepts: (authorization: string | undefined) => boolean) {
  const inits: Array<string | undefined> = [];
  const sockets: FakeSocket[] = [];
  const subscribed: string[] = [];

  class FakeSocket {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    readyState = FakeSocket.CONNECTING;
    protocol: string;
    onopen: ((event: unknown) => void) | null = null;
    onmessage: ((event: { data: string }) => void) | null = null;
    onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
    onerror: ((event: unknown) => void) | null = null;

    constructor(_url: string, protocol: string) {
      this.protocol = protocol;
      sockets.push(this);
      setTimeout(() => {
        this.readyState = FakeSocket.OPEN;
        this.onopen?.({});
      }, 0);
    }

    send(data: string) {
      const message = JSON.parse(data) as { type: string; id?: string; payload?: { authorization?: string } };
      if (message.type === 'connection_init') {
        const authorization = message.payload?.authorization;
        inits.push(authorization);
        if (accepts(authorization)) this.deliver({ type: 'connection_ack' });
        else this.serverClose(4403, 'Forbidden: token refused');
      } else if (message.type === 'subscribe' && message.id) {
        subscribed.push(message.id);
      }
    }

    close(code = 1000, reason = '') {
      this.finish(code, reason);
    }

    /** The server ends the connection (e.g. the session was ended elsewhere). */
    serverClose(code: number, reason: string) {
      setTimeout(() => this.finish(code, reason), 0);
    }

    private deliver(message: object) {
      setTimeout(() => this.onmessage?.({ data: JSON.stringify(message) }), 0);
    }

    private finish(code: number, reason: string) {
      if (this.readyState === FakeSocket.CLOSED) return;
      this.readyState = FakeSocket.CLOSED;
      this.onclose?.({ code, reason, wasClean: true });
    }
  }
  return { FakeSocket, inits, sockets, subscribed };
}

async function until(condition: () => boolean, what: string, ms = 8_000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('createGraphqlClient with refresh, over the websocket', () => {
  let dispose: (() => void) | undefined;
  afterEach(() => dispose?.());

  it('refreshes once when the server closes the socket with 4403, and reconnects with the new token', { timeout: 15_000 }, async () => {
    let token = 'first';
    let accepted = new Set(['Bearer first']);
    const server = fakeWebSocketServer((authorization) => accepted.has(authorization ?? ''));
    const refresh = vi.fn(async () => {
      token = 'second';
      return token;
    });
    const graphql = createGraphqlClient({
      url: '/graphql',
      wsUrl: 'ws://api.test/graphql',
      getToken: () => token,
      refresh,
      webSocketImpl: server.FakeSocket,
    });
    dispose = graphql.dispose;
    const reconnected = vi.fn();
    graphql.onReconnected(reconnected);

    const { unsubscribe } = graphql.client.subscription(subscription, {}).subscribe(() => {});
    await until(() => server.subscribed.length === 1, 'the first subscribe');
    expect(server.inits).toEqual(['Bearer first']);
    expect(refresh).not.toHaveBeenCalled();

    // The session's access token is refused from now on (it ended, or expired on reconnect).
    accepted = new Set(['Bearer second']);
    server.sockets[0]!.serverClose(4403, 'Forbidden: this session has ended');

    await until(() => server.subscribed.length === 2, 'the subscription on the new connection');
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(server.inits).toEqual(['Bearer first', 'Bearer second']);
    expect(reconnected).toHaveBeenCalledTimes(1);
    unsubscribe();
  });

  it('does not refresh again when the refreshed token is refused too', { timeout: 20_000 }, async () => {
    let n = 0;
    let token = 'token-0';
    let acceptAll = true;
    const server = fakeWebSocketServer(() => acceptAll);
    const refresh = vi.fn(async () => {
      token = `token-${++n}`;
      return token;
    });
    const graphql = createGraphqlClient({
      url: '/graphql',
      wsUrl: 'ws://api.test/graphql',
      getToken: () => token,
      refresh,
      webSocketImpl: server.FakeSocket,
    });
    dispose = graphql.dispose;

    const { unsubscribe } = graphql.client.subscription(subscription, {}).subscribe(() => {});
    await until(() => server.subscribed.length === 1, 'the first subscribe');
    acceptAll = false;
    server.sockets[0]!.serverClose(4403, 'Forbidden: this session has ended');

    // First reconnect: refreshed token, refused; second reconnect: same token, no refresh.
    await until(() => server.inits.length === 3, 'two reconnections', 15_000);
    expect(server.inits.slice(0, 3)).toEqual(['Bearer token-0', 'Bearer token-1', 'Bearer token-1']);
    expect(refresh).toHaveBeenCalledTimes(1);
    // Let the client settle on an accepted connection before the test ends, so no refused
    // attempt is still in flight when it is disposed (its rejection would leak into the
    // next test).
    acceptAll = true;
    await until(() => server.subscribed.length === 2, 'the subscription on an accepted connection', 15_000);
    unsubscribe();
  });

  it('reconnects without refreshing after a close that is not about the token', { timeout: 15_000 }, async () => {
    const server = fakeWebSocketServer(() => true);
    const refresh = vi.fn(async () => 'other');
    const graphql = createGraphqlClient({
      url: '/graphql',
      wsUrl: 'ws://api.test/graphql',
      getToken: () => 'tok',
      refresh,
      webSocketImpl: server.FakeSocket,
    });
    dispose = graphql.dispose;
    const { unsubscribe } = graphql.client.subscription(subscription, {}).subscribe(() => {});
    await until(() => server.subscribed.length === 1, 'the first subscribe');
    server.sockets[0]!.serverClose(1001, 'Going away');
    await until(() => server.subscribed.length === 2, 'the subscription on the new connection');
    expect(refresh).not.toHaveBeenCalled();
    expect(server.inits).toEqual(['Bearer tok', 'Bearer tok']);
    unsubscribe();
  });
});
