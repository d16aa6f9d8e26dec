/**
 * The auth service's browser routes (`/api/auth/*` on the page's own origin, proxied to the
 * auth subgraph). Sign-up and sign-in answer an access token (kept in memory by the caller)
 * and set the HttpOnly refresh cookie `fedstack_refresh` (Path=/api/auth, SameSite=Strict),
 * which the browser sends back by itself to `refresh` and `logout`; no script ever sees it.
 * Every call is a JSON POST: the server refuses other content types (415) and cross-site
 * origins (403).
 */

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: string;
}

/** What sign-up, sign-in and refresh answer. */
export interface Session {
  accessToken: string;
  /** RFC 3339 time the access token expires. */
  expiresAt: string;
  user: SessionUser;
}

export type LogoutScope = 'THIS_SESSION' | 'OTHER_SESSIONS' | 'ALL_SESSIONS';

/** Codes of `platform/errs`, plus NETWORK (no answer) and BAD_GATEWAY (the proxy's). */
export type AuthErrorCode =
  | 'INVALID'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'INTERNAL'
  | 'NETWORK'
  | 'BAD_GATEWAY'
  | (string & {});

/** A refused or failed call, with the server's code and user-facing message. */
export class AuthApiError extends Error {
  override readonly name = 'AuthApiError';
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    /** The input field the error is about, e.g. "email". */
    readonly field?: string,
    /** From Retry-After on a 429. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  /** The session is over (no refresh cookie, or it was ended): the user is signed out. */
  get sessionEnded(): boolean {
    return this.status === 401 || this.code === 'UNAUTHENTICATED';
  }

  /** Worth trying again later (no answer, a 5xx, or rate limited). */
  get transient(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429;
  }
}

export interface SignupInput {
  email: string;
  password: string;
  name: string;
}

export interface LoginInput {
  email: string;
  password: string;
}

export interface AuthApi {
  signup(input: SignupInput): Promise<Session>;
  login(input: LoginInput): Promise<Session>;
  /** A new access token for the session the refresh cookie names; the cookie rotates. */
  refresh(): Promise<Session>;
  /** Ends sessions; THIS_SESSION and ALL_SESSIONS also clear the refresh cookie. */
  logout(scope: LogoutScope, accessToken: string): Promise<{ endedSessions: number }>;
}

export interface AuthApiOptions {
  /** Default "/api/auth" on the page's origin. */
  baseUrl?: string;
  /** Default globalThis.fetch (looked up at call time). */
  fetch?: typeof fetch;
}

const unreachable = 'Could not reach the server. Check your connection and try again.';

function fallbackMessage(status: number): string {
  if (status === 401) return 'Your session has ended. Sign in again.';
  if (status === 403) return 'The request was refused. Reload the page and try again.';
  if (status === 429) return 'Too many attempts. Wait a moment and try again.';
  if (status >= 500) return 'The sign-in service is unavailable right now. Try again in a moment.';
  return `The request failed (HTTP ${status}). Try again.`;
}

function codeForStatus(status: number): AuthErrorCode {
  switch (status) {
    case 400:
      return 'INVALID';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'CONFLICT';
    case 429:
      return 'RATE_LIMITED';
    default:
      return status >= 500 ? 'INTERNAL' : 'INVALID';
  }
}

function retryAfter(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

async function errorFrom(response: Response): Promise<AuthApiError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown; field?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' && error.code ? error.code : codeForStatus(response.status);
  const message = typeof error?.message === 'string' && error.message ? error.message : fallbackMessage(response.status);
  const field = typeof error?.field === 'string' && error.field ? error.field : undefined;
  return new AuthApiError(code, message, response.status, field, response.status === 429 ? retryAfter(response) : undefined);
}

/** Checks the shape of a session answer, so a wrong server fails loudly here, not later. */
export function parseSession(value: unknown): Session {
  const v = value as Partial<Session> | null | undefined;
  const user = v?.user as Partial<SessionUser> | undefined;
  if (
    typeof v?.accessToken !== 'string' ||
    !v.accessToken ||
    typeof v.expiresAt !== 'string' ||
    Number.isNaN(Date.parse(v.expiresAt)) ||
    typeof user?.id !== 'string' ||
    typeof user.email !== 'string' ||
    typeof user.name !== 'string'
  ) {
    throw new AuthApiError('INTERNAL', 'The sign-in service gave an answer this app does not understand. Reload and try again.', 200);
  }
  return {
    accessToken: v.accessToken,
    expiresAt: v.expiresAt,
    user: { id: user.id, email: user.email, name: user.name, role: typeof user.role === 'string' ? user.role : 'USER' },
  };
}

/** The REST client for `/api/auth/*`. */
export function createAuthApi(options: AuthApiOptions = {}): AuthApi {
  const baseUrl = (options.baseUrl ?? '/api/auth').replace(/\/$/, '');
  const send: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    let response: Response;
    try {
      response = await send(`${baseUrl}${path}`, {
        method: 'POST',
        // same origin: the refresh cookie goes along, and comes back in Set-Cookie
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    } catch {
      throw new AuthApiError('NETWORK', unreachable, 0);
    }
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  async function session(path: string, body: unknown): Promise<Session> {
    const response = await post(path, body);
    let json: unknown;
    try {
      json = await response.json();
    } catch {
      json = undefined;
    }
    return parseSession(json);
  }

  return {
    signup: (input) => session('/signup', { email: input.email, password: input.password, name: input.name }),
    login: (input) => session('/login', { email: input.email, password: input.password }),
    refresh: () => session('/refresh', {}),
    async logout(scope, accessToken) {
      const response = await post('/logout', { scope }, { authorization: `Bearer ${accessToken}` });
      const json = (await response.json().catch(() => ({}))) as { endedSessions?: unknown };
      return { endedSessions: typeof json.endedSessions === 'number' ? json.endedSessions : 0 };
    },
  };
}
