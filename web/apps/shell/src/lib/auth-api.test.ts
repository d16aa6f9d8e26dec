import { describe, expect, it } from 'vitest';
import { AuthApiError, createAuthApi } from './auth-api.ts';

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (async () =>
    new Response(typeof body === 'string' ? body : JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    })) as typeof fetch;

async function failure(promise: Promise<unknown>): Promise<AuthApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AuthApiError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('createAuthApi', () => {
  it('reads the contract\'s error shape, field and Retry-After included', async () => {
    const api = createAuthApi({
      fetch: answer(429, { error: { code: 'RATE_LIMITED', message: 'Slow down.', field: 'email' } }, { 'retry-after': '12' }),
    });
    const error = await failure(api.login({ email: 'a@b.c', password: 'x' }));
    expect(error).toMatchObject({ code: 'RATE_LIMITED', message: 'Slow down.', status: 429, field: 'email', retryAfterSeconds: 12 });
    expect(error.transient).toBe(true);
    expect(error.sessionEnded).toBe(false);
  });

  it('gives a plain message when the body is not the contract\'s (a proxy\'s 502 page)', async () => {
    const api = createAuthApi({ fetch: answer(502, '<html>Bad Gateway</html>', { 'content-type': 'text/html' }) });
    const error = await failure(api.refresh());
    expect(error).toMatchObject({ code: 'INTERNAL', status: 502 });
    expect(error.message).toMatch(/unavailable right now/);
    expect(error.transient).toBe(true);
  });

  it('tells a refused refresh (session over) from a network failure', async () => {
    const ended = await failure(
      createAuthApi({ fetch: answer(401, { error: { code: 'UNAUTHENTICATED', message: 'session ended' } }) }).refresh(),
    );
    expect(ended.sessionEnded).toBe(true);
    const offline = await failure(
      createAuthApi({
        fetch: (async () => {
          throw new TypeError('Failed to fetch');
        }) as typeof fetch,
      }).refresh(),
    );
    expect(offline).toMatchObject({ code: 'NETWORK', status: 0, sessionEnded: false, transient: true });
  });

  it('refuses an answer that is not a session', async () => {
    const api = createAuthApi({ fetch: answer(200, { accessToken: 't' }) });
    expect((await failure(api.refresh())).message).toMatch(/does not understand/);
  });

  it('posts JSON to /api/auth on this origin and returns the session', async () => {
    let seen: { url: string; init: RequestInit | undefined } | undefined;
    const session = { accessToken: 'a.b.c', expiresAt: '2026-11-29T07:00:00Z', user: { id: 'u1', email: 'e@x.y', name: 'E', role: 'ADMIN' } };
    const api = createAuthApi({
      fetch: (async (url: string, init?: RequestInit) => {
        seen = { url, init };
        return new Response(JSON.stringify(session), { status: 201, headers: { 'content-type': 'application/json' } });
      }) as typeof fetch,
    });
    expect(await api.signup({ email: 'e@x.y', password: 'pw-long-enough', name: 'E' })).toEqual(session);
    expect(seen?.url).toBe('/api/auth/signup');
    expect(seen?.init).toMatchObject({ method: 'POST', credentials: 'same-origin' });
    expect(new Headers(seen?.init?.headers).get('content-type')).toBe('application/json');
  });
});
