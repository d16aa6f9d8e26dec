// An in-memory stand-in for the auth service's /api/auth/* routes, for unit tests only: it
// keeps the contract's rules (JSON only, the refresh cookie rotating on every use, logout
// needing the access token) and plays the browser's cookie jar, shared by every "tab" that
// uses its fetch. The Playwright session spec runs the real service.

export interface FakeUser {
  id: string;
  email: string;
  name: string;
  role: string;
  password: string;
}

interface FakeSession {
  id: string;
  userId: string;
  ended: boolean;
}

export interface Call {
  path: string;
  method: string;
  body: unknown;
  headers: Headers;
  credentials: RequestCredentials | undefined;
}

export interface FakeAuthServerOptions {
  /** Access token lifetime, seconds. Default 900. */
  lifetimeSeconds?: number;
}

const b64url = (value: object) => btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const refused = (status: number, code: string, message: string, extra: Record<string, unknown> = {}, headers = {}) =>
  json(status, { error: { code, message, ...extra } }, headers);

export function fakeAuthServer(options: FakeAuthServerOptions = {}) {
  const lifetime = options.lifetimeSeconds ?? 900;
  const users = new Map<string, FakeUser>();
  const sessions = new Map<string, FakeSession>();
  const refreshTokens = new Map<string, string>(); // refresh token -> session id
  const accessTokens = new Map<string, { sessionId: string; exp: number }>();
  const calls: Call[] = [];
  let counter = 0;
  /** The browser's cookie jar: the current fedstack_refresh value, if any. */
  let cookie: string | null = null;
  /** While set, every call fails as if the network were down. */
  let down = false;
  /** While set, every call waits for it. */
  let gate: Promise<void> | null = null;
  /** Answers to give instead of the normal ones, first in first out. */
  const scripted: Array<() => Response> = [];

  function issue(session: FakeSession, user: FakeUser) {
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + lifetime;
    const accessToken = `${b64url({ alg: 'EdDSA' })}.${b64url({ sub: user.id, sid: session.id, iat, exp, n: ++counter })}.sig`;
    accessTokens.set(accessToken, { sessionId: session.id, exp });
    const refresh = `refresh-${++counter}`;
    refreshTokens.set(refresh, session.id);
    cookie = refresh;
    return {
      accessToken,
      expiresAt: new Date(exp * 1000).toISOString(),
      user: { id: user.id, email: user.email, name: user.name, role: user.role },
    };
  }

  function startSession(user: FakeUser) {
    const session = { id: `s${++counter}`, userId: user.id, ended: false };
    sessions.set(session.id, session);
    return issue(session, user);
  }

  function bearer(headers: Headers): FakeSession | null {
    const token = /^Bearer (.+)$/.exec(headers.get('authorization') ?? '')?.[1];
    const known = token ? accessTokens.get(token) : undefined;
    if (!known || known.exp * 1000 <= Date.now()) return null;
    const session = sessions.get(known.sessionId);
    return session && !session.ended ? session : null;
  }

  async function handle(path: string, body: Record<string, unknown>, headers: Headers): Promise<Response> {
    switch (path) {
      case '/api/auth/signup': {
        const email = String(body.email ?? '');
        if ([...users.values()].some((u) => u.email === email)) {
          return refused(409, 'CONFLICT', 'an account with this email already exists: sign in instead', { field: 'email' });
        }
        const user = { id: `u${++counter}`, email, name: String(body.name ?? ''), role: 'USER', password: String(body.password ?? '') };
        users.set(user.id, user);
        return json(201, startSession(user));
      }
      case '/api/auth/login': {
        const user = [...users.values()].find((u) => u.email === body.email && u.password === body.password);
        if (!user) return refused(401, 'UNAUTHENTICATED', 'wrong email or password');
        return json(200, startSession(user));
      }
      case '/api/auth/refresh': {
        const sessionId = cookie ? refreshTokens.get(cookie) : undefined;
        const session = sessionId ? sessions.get(sessionId) : undefined;
        if (!session || session.ended) {
          cookie = null;
          return refused(401, 'UNAUTHENTICATED', 'your session has ended: sign in again');
        }
        refreshTokens.delete(cookie!); // rotates
        return json(200, issue(session, users.get(session.userId)!));
      }
      case '/api/auth/logout': {
        const session = bearer(headers);
        if (!session) return refused(401, 'UNAUTHENTICATED', 'sign in first: this needs an access token');
        const scope = body.scope;
        let ended = 0;
        for (const s of sessions.values()) {
          if (s.userId !== session.userId || s.ended) continue;
          const mine = s.id === session.id;
          if (scope === 'ALL_SESSIONS' || (scope === 'THIS_SESSION' && mine) || (scope === 'OTHER_SESSIONS' && !mine)) {
            s.ended = true;
            ended += 1;
          }
        }
        if (scope !== 'OTHER_SESSIONS') cookie = null;
        return json(200, { endedSessions: ended });
      }
      default:
        return refused(404, 'NOT_FOUND', `no route ${path}`);
    }
  }

  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input), 'http://shell.test/');
    const headers = new Headers(init?.headers);
    let body: unknown;
    try {
      body = init?.body ? JSON.parse(String(init.body)) : undefined;
    } catch {
      body = init?.body;
    }
    calls.push({ path: url.pathname, method: init?.method ?? 'GET', body, headers, credentials: init?.credentials });
    if (gate) await gate;
    if (down) throw new TypeError('Failed to fetch');
    if (init?.method !== 'POST') return refused(405, 'INVALID', 'use POST');
    if (!/^application\/json\b/.test(headers.get('content-type') ?? '')) {
      return refused(415, 'INVALID', 'send Content-Type: application/json');
    }
    const next = scripted.shift();
    if (next) return next();
    return handle(url.pathname, (body ?? {}) as Record<string, unknown>, headers);
  };

  return {
    fetch: fetch as typeof globalThis.fetch,
    calls,
    /** Calls to one route, e.g. "/api/auth/refresh". */
    callsTo: (path: string) => calls.filter((c) => c.path === path),
    users,
    sessions,
    get cookie() {
      return cookie;
    },
    set cookie(value: string | null) {
      cookie = value;
    },
    set down(value: boolean) {
      down = value;
    },
    /** Holds every call until the returned function is called. */
    hold(): () => void {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = null;
        release();
      };
    },
    /** The next answer, whatever is asked. */
    answerNext(make: () => Response) {
      scripted.push(make);
    },
    /** A registered user with a live session whose refresh cookie is in the jar. */
    seedSignedIn(name = 'Ada Lovelace', email = 'ada@example.com') {
      const user = { id: `u${++counter}`, email, name, role: 'USER', password: 'correct horse' };
      users.set(user.id, user);
      return { user, session: startSession(user) };
    },
    /** Ends a session as another device's "sign out everywhere" would. */
    endAllSessions() {
      for (const s of sessions.values()) s.ended = true;
    },
    refused,
  };
}

export type FakeAuthServer = ReturnType<typeof fakeAuthServer>;
