import { createHash } from 'node:crypto';
import { parse, type DocumentNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createGraphqlClient } from './create-client.ts';
import { toWebSocketUrl } from './ws-url.ts';

// A document shaped like the codegen output: the AST plus __meta__ { text, hash }.
const text = 'mutation AddTodo($input: AddTodoInput!) { addTodo(input: $input) { id title } }';
const hex = createHash('sha256').update(text).digest('hex');
const document = {
  ...parse('mutation AddTodo($input: AddTodoInput!) {\n  addTodo(input: $input) {\n    title\n    id\n  }\n}', {
    noLocation: true,
  }),
  __meta__: { text, hash: `sha256:${hex}` },
} as DocumentNode;

interface Sent {
  body: Record<string, unknown>;
  headers: Headers;
}

function fakeServer(answers: Array<Record<string, unknown>>) {
  const sent: Sent[] = [];
  const fetch = async (_input: RequestInfo | URL, init?: RequestInit) => {
    sent.push({ body: JSON.parse(String(init?.body)), headers: new Headers(init?.headers) });
    const answer = answers.shift() ?? { errors: [{ message: 'unexpected request' }] };
    return new Response(JSON.stringify(answer), {
      status: 200,
      headers: { 'content-type': 'application/graphql-response+json' },
    });
  };
  return { sent, fetch: fetch as typeof globalThis.fetch };
}

const added = { data: { addTodo: { id: '1', title: 'milk' } } };

describe('createGraphqlClient', () => {
  it('sends the hash only, then the exact persisted text when the server does not know it', async () => {
    const server = fakeServer([{ errors: [{ message: 'PersistedQueryNotFound' }] }, added]);
    const { client, dispose } = createGraphqlClient({
      url: 'http://api.test/graphql',
      getToken: () => 'tok',
      subscriptions: false,
      fetch: server.fetch,
    });
    const result = await client.mutation(document, { input: { title: 'milk' } }).toPromise();
    dispose();

    expect(result.error).toBeUndefined();
    expect(result.data).toEqual(added.data);
    expect(server.sent).toHaveLength(2);
    const [first, second] = server.sent as [Sent, Sent];
    expect(first.body.query).toBeUndefined();
    expect(first.body.extensions).toEqual({ persistedQuery: { version: 1, sha256Hash: hex } });
    expect(first.headers.get('authorization')).toBe('Bearer tok');
    expect(second.body.query).toBe(text);
    expect(createHash('sha256').update(String(second.body.query)).digest('hex')).toBe(hex);
    expect(second.body.variables).toEqual({ input: { title: 'milk' } });
  });

  it('understands other servers\' ways of saying the hash is unknown', async () => {
    const server = fakeServer([
      { errors: [{ message: 'persisted query not found', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] },
      added,
    ]);
    const { client } = createGraphqlClient({ url: '/graphql', getToken: () => null, subscriptions: false, fetch: server.fetch });
    const result = await client.mutation(document, { input: { title: 'milk' } }).toPromise();
    expect(result.data).toEqual(added.data);
    expect(server.sent[1]?.body.query).toBe(text);
    expect(server.sent[0]?.headers.get('authorization')).toBeNull();
  });

  it('stops persisting when the server does not support it', async () => {
    const server = fakeServer([{ errors: [{ message: 'PersistedQueryNotSupported' }] }, added, added]);
    const { client } = createGraphqlClient({ url: '/graphql', getToken: () => null, subscriptions: false, fetch: server.fetch });
    await client.mutation(document, { input: { title: 'a' } }).toPromise();
    await client.mutation(document, { input: { title: 'b' } }).toPromise();
    expect(server.sent).toHaveLength(3);
    expect(server.sent[2]?.body.query).toBe(text);
    expect(server.sent[2]?.body.extensions).toBeUndefined();
  });

  it('does not resend when the server knows the hash', async () => {
    const server = fakeServer([added]);
    const { client } = createGraphqlClient({ url: '/graphql', getToken: () => 'x', subscriptions: false, fetch: server.fetch });
    const result = await client.mutation(document, { input: { title: 'milk' } }).toPromise();
    expect(result.data).toEqual(added.data);
    expect(server.sent).toHaveLength(1);
  });
});

describe('createGraphqlClient with a router that has no persisted operations', () => {
  it('falls back to the full text when the router just sees an empty query, then stops hashing', async () => {
    const server = fakeServer([{ errors: [{ message: 'the query is empty' }] }, added, added]);
    const { client } = createGraphqlClient({ url: '/graphql', getToken: () => null, subscriptions: false, fetch: server.fetch });
    const first = await client.mutation(document, { input: { title: 'a' } }).toPromise();
    const second = await client.mutation(document, { input: { title: 'b' } }).toPromise();
    expect(first.data).toEqual(added.data);
    expect(second.data).toEqual(added.data);
    const hashOf = (body: Record<string, unknown>) =>
      (body.extensions as { persistedQuery?: unknown } | undefined)?.persistedQuery ?? null;
    expect(server.sent.map((s) => [s.body.query ?? null, hashOf(s.body)])).toEqual([
      [null, { version: 1, sha256Hash: hex }],
      [text, null],
      [text, null],
    ]);
  });

  it('leaves real errors alone', async () => {
    const server = fakeServer([{ errors: [{ message: 'sign in first', extensions: { code: 'UNAUTHENTICATED' } }] }]);
    const { client } = createGraphqlClient({ url: '/graphql', getToken: () => null, subscriptions: false, fetch: server.fetch });
    const result = await client.mutation(document, { input: { title: 'a' } }).toPromise();
    expect(result.error?.graphQLErrors[0]?.message).toBe('sign in first');
    expect(server.sent).toHaveLength(1);
  });
});

describe('toWebSocketUrl', () => {
  it('derives ws(s) from the page', () => {
    expect(toWebSocketUrl('/graphql', 'http://127.0.0.1:5173/todos')).toBe('ws://127.0.0.1:5173/graphql');
    expect(toWebSocketUrl('/graphql', 'https://example.com/')).toBe('wss://example.com/graphql');
  });
});
