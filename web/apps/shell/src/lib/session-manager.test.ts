import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeAuthServer, type FakeAuthServer } from '../testing/fake-auth-server.ts';
import { createAuthApi } from './auth-api.ts';
import { createAuthStore } from './auth-store.ts';
import { createSessionManager, SESSION_CHANNEL, tokenLifetimeMs, type SessionManager, type SessionManagerOptions } from './session-manager.ts';

const managers: SessionManager[] = [];

/** One browser tab: its own store and manager, the server's (shared) cookie jar. */
function tab(server: FakeAuthServer, options: Partial<SessionManagerOptions> = {}) {
  const store = createAuthStore();
  const manager = createSessionManager({ api: createAuthApi({ fetch: server.fetch }), store, channel: null, ...options });
  managers.push(manager);
  return { store, manager };
}

afterEach(() => {
  for (const m of managers.splice(0)) m.dispose();
  vi.useRealTimers();
});

describe('session manager: start-up', () => {
  it('restores the session from the refresh cookie: one refresh, token in memory only', async () => {
    const server = fakeAuthServer();
    const { user } = server.seedSignedIn();
    const cookieBefore = server.cookie;
    const { store, manager } = tab(server);

    expect(store.getState().status).toBe('restoring');
    const restoring = manager.restore();
    expect(store.getState().status).toBe('restoring');
    await restoring;

    const { status, session } = store.getState();
    expect(status).toBe('ready');
    expect(session?.user).toEqual({ id: user.id, email: user.email, name: user.name, role: 'USER' });
    const [call, ...more] = server.callsTo('/api/auth/refresh');
    expect(more).toHaveLength(0);
    expect(call?.method).toBe('POST');
    expect(call?.body).toEqual({});
    expect(call?.headers.get('content-type')).toBe('application/json');
    expect(call?.credentials).toBe('same-origin');
    expect(server.cookie).not.toBe(cookieBefore); // rotated
    expect(window.localStorage.length).toBe(0);
    expect(window.sessionStorage.length).toBe(0);
  });

  it('is signed out when the server says 401 (no cookie)', async () => {
    const server = fakeAuthServer();
    const { store, manager } = tab(server);
    await manager.restore();
    expect(store.getState()).toMatchObject({ status: 'ready', session: null, restoreFailed: false });
  });

  it('is signed out, with a way to check again, when the server does not answer', async () => {
    const server = fakeAuthServer();
    server.seedSignedIn();
    server.down = true;
    const { store, manager } = tab(server);
    await manager.restore();
    expect(store.getState()).toMatchObject({ status: 'ready', session: null, restoreFailed: true });

    server.down = false;
    await manager.restore();
    expect(store.getState()).toMatchObject({ status: 'ready', restoreFailed: false });
    expect(store.getState().session?.user.name).toBe('Ada Lovelace');
  });
});

describe('session manager: silent refresh', () => {
  it('refreshes 60 s before the access token expires, again and again', async () => {
    vi.useFakeTimers();
    const server = fakeAuthServer({ lifetimeSeconds: 900 });
    server.seedSignedIn();
    const { store, manager } = tab(server);
    await manager.restore();
    const first = store.getState().session!.accessToken;

    await vi.advanceTimersByTimeAsync(839_000);
    expect(server.callsTo('/api/auth/refresh')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(server.callsTo('/api/auth/refresh')).toHaveLength(2);
    const second = store.getState().session!.accessToken;
    expect(second).not.toBe(first);

    await vi.advanceTimersByTimeAsync(840_000);
    expect(server.callsTo('/api/auth/refresh')).toHaveLength(3);
    expect(store.getState().session!.accessToken).not.toBe(second);
  });

  it('plans from the token\'s own lifetime, so a wrong clock does not matter', async () => {
    vi.useFakeTimers();
    const server = fakeAuthServer({ lifetimeSeconds: 900 });
    server.seedSignedIn();
    // This machine's clock is an hour ahead of the server's.
    const { manager } = tab(server, { now: () => Date.now() + 3_600_000 });
    await manager.restore();
    await vi.advanceTimersByTimeAsync(839_000);
    expect(server.callsTo('/api/auth/refresh')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(server.callsTo('/api/auth/refresh')).toHaveLength(2);
  });

  it('tries again with back-off when the server does not answer, keeping the session meanwhile', async () => {
    vi.useFakeTimers();
    const server = fakeAuthServer({ lifetimeSeconds: 900 });
    server.seedSignedIn();
    const { store, manager } = tab(server, { retryDelaysMs: [5_000, 15_000] });
    await manager.restore();

    server.down = true;
    await vi.advanceTimersByTimeAsync(840_000);
    expect(server.callsTo('/api/auth/refresh')).toHaveLength(2);
    expect(store.getState().session).not.toBeNull();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(server.callsTo('/api/auth/refresh')).toHaveLength(3);
    server.down = false;
    await vi.advanceTimersByTimeAsync(14_999);
    expect(server.callsTo('/api/auth/refresh')).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.callsTo('/api/auth/refresh')).toHaveLength(4);
    expect(store.getState().session).not.toBeNull();
    // and back to the normal plan
    await vi.advanceTimersByTimeAsync(840_000);
    expect(server.callsTo('/api/auth/refresh')).toHaveLength(5);
  });

  it('signs out when a refresh is refused (the session was ended elsewhere)', async () => {
    vi.useFakeTimers();
    const server = fakeAuthServer({ lifetimeSeconds: 900 });
    server.seedSignedIn();
    const { store, manager } = tab(server);
    await manager.restore();
    server.endAllSessions();
    await vi.advanceTimersByTimeAsync(840_000);
    expect(store.getState()).toMatchObject({ status: 'ready', session: null });
    expect(server.cookie).toBeNull();
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(server.callsTo('/api/auth/refresh')).toHaveLength(2); // nothing more planned
  });

  it('refreshes at once when the tab comes back after the planned moment (sleep, throttled timers)', async () => {
    const server = fakeAuthServer({ lifetimeSeconds: 900 });
    server.seedSignedIn();
    let clock = Date.now();
    const { manager } = tab(server, { now: () => clock });
    await manager.restore();
    window.dispatchEvent(new Event('focus'));
    expect(server.callsTo('/api/auth/refresh')).toHaveLength(1); // not due yet

    clock += 841_000; // the timer did not fire: the machine slept
    window.dispatchEvent(new Event('focus'));
    await vi.waitFor(() => expect(server.callsTo('/api/auth/refresh')).toHaveLength(2));
  });

  it('shares one refresh among concurrent callers and hands them the new token', async () => {
    const server = fakeAuthServer();
    server.seedSignedIn();
    const { store, manager } = tab(server);
    await manager.restore();
    const tokens = await Promise.all([manager.refresh(), manager.refresh(), manager.refresh()]);
    expect(server.callsTo('/api/auth/refresh')).toHaveLength(2);
    expect(new Set(tokens)).toEqual(new Set([store.getState().session!.accessToken]));
  });

  it('gives null to a caller when the session has ended, and signs out', async () => {
    const server = fakeAuthServer();
    server.seedSignedIn();
    const { store, manager } = tab(server);
    await manager.restore();
    server.endAllSessions();
    expect(await manager.refresh()).toBeNull();
    expect(store.getState().session).toBeNull();
  });

  it('does not let a late refresh answer undo a sign-out', async () => {
    const server = fakeAuthServer();
    const { user } = server.seedSignedIn();
    const listeners: Array<(event: MessageEvent) => void> = [];
    const { store, manager } = tab(server, {
      channel: { postMessage() {}, addEventListener: (_type, l) => listeners.push(l), removeEventListener() {}, close() {} },
    });
    await manager.restore();
    const release = server.hold();
    const late = manager.refresh();
    // Meanwhile another tab signs the user out.
    listeners[0]!(new MessageEvent('message', { data: { type: 'signed-out', userId: user.id } }));
    expect(store.getState().session).toBeNull();
    release();
    await late;
    expect(store.getState().session).toBeNull();
  });
});

describe('session manager: logout', () => {
  it('calls the REST logout with the access token and clears the session', async () => {
    const server = fakeAuthServer();
    server.seedSignedIn();
    const { store, manager } = tab(server);
    await manager.restore();
    const token = store.getState().session!.accessToken;

    expect(await manager.logout()).toEqual({ endedSessions: 1, serverReached: true });
    const [call] = server.callsTo('/api/auth/logout');
    expect(call?.body).toEqual({ scope: 'THIS_SESSION' });
    expect(call?.headers.get('authorization')).toBe(`Bearer ${token}`);
    expect(call?.headers.get('content-type')).toBe('application/json');
    expect(store.getState().session).toBeNull();
    expect(server.cookie).toBeNull();
  });

  it('refreshes once when the access token has expired, then logs out', async () => {
    vi.useFakeTimers();
    const server = fakeAuthServer({ lifetimeSeconds: 900 });
    server.seedSignedIn();
    const { store, manager } = tab(server);
    await manager.restore();
    // The planned refresh did not happen (say the tab was frozen) and the token expired.
    vi.setSystemTime(Date.now() + 901_000);

    expect(await manager.logout()).toEqual({ endedSessions: 1, serverReached: true });
    expect(server.calls.map((c) => c.path)).toEqual([
      '/api/auth/refresh',
      '/api/auth/logout',
      '/api/auth/refresh',
      '/api/auth/logout',
    ]);
    expect(store.getState().session).toBeNull();
    expect(server.cookie).toBeNull();
  });

  it('signs this tab out even when the server cannot be reached', async () => {
    const server = fakeAuthServer();
    server.seedSignedIn();
    const { store, manager } = tab(server);
    await manager.restore();
    server.down = true;
    expect(await manager.logout()).toEqual({ endedSessions: 0, serverReached: false });
    expect(store.getState().session).toBeNull();
  });

  it('keeps this tab signed in when ending only the other sessions', async () => {
    const server = fakeAuthServer();
    server.seedSignedIn();
    const { store, manager } = tab(server);
    await manager.restore();
    expect(await manager.logout('OTHER_SESSIONS')).toEqual({ endedSessions: 0, serverReached: true });
    expect(store.getState().session).not.toBeNull();
    expect(server.cookie).not.toBeNull();
  });
});

describe('session manager: several tabs (BroadcastChannel)', () => {
  const channel = () => new BroadcastChannel(SESSION_CHANNEL);

  it('a sign-out in one tab signs the user\'s other tabs out', async () => {
    const server = fakeAuthServer();
    server.seedSignedIn();
    const a = tab(server, { channel: channel() });
    const b = tab(server, { channel: channel() });
    await a.manager.restore();
    await b.manager.restore(); // both tabs signed in (the cookie rotated twice: fine)
    expect(b.store.getState().session).not.toBeNull();

    await a.manager.logout();
    expect(a.store.getState().session).toBeNull();
    await vi.waitFor(() => expect(b.store.getState().session).toBeNull());
    expect(server.callsTo('/api/auth/logout')).toHaveLength(1);
  });

  it('a sign-in in one tab signs in the tabs that were signed out', async () => {
    const server = fakeAuthServer();
    const a = tab(server, { channel: channel() });
    const b = tab(server, { channel: channel() });
    await a.manager.restore();
    await b.manager.restore();
    expect(b.store.getState().session).toBeNull();

    const session = await a.manager.api.signup({ email: 'grace@example.com', password: 'correct horse', name: 'Grace Hopper' });
    a.manager.signedIn(session);
    await vi.waitFor(() => expect(b.store.getState().session?.user.name).toBe('Grace Hopper'));
    // A keeps working with its own token.
    expect(a.store.getState().session?.accessToken).toBe(session.accessToken);
  });

  it('a sign-out of another user in another tab leaves this tab alone', async () => {
    const server = fakeAuthServer();
    const a = tab(server, { channel: channel() });
    const b = tab(server, { channel: channel() });
    const ada = await a.manager.api.signup({ email: 'ada@example.com', password: 'correct horse', name: 'Ada' });
    b.store.getState().signIn({ ...ada, user: { ...ada.user, id: 'someone-else' } });
    a.store.getState().signIn(ada);
    await a.manager.logout();
    await new Promise((r) => setTimeout(r, 50));
    expect(b.store.getState().session).not.toBeNull();
  });
});

describe('tokenLifetimeMs', () => {
  it('reads iat and exp of a JWT, and gives null for anything else', () => {
    const payload = btoa(JSON.stringify({ iat: 1000, exp: 1900 })).replace(/=+$/, '');
    expect(tokenLifetimeMs(`h.${payload}.s`)).toBe(900_000);
    expect(tokenLifetimeMs('opaque')).toBeNull();
    expect(tokenLifetimeMs('h.@@.s')).toBeNull();
  });
});
