import type { StoreApi } from 'zustand/vanilla';
import { AuthApiError, type AuthApi, type LogoutScope, type Session } from './auth-api.ts';
import type { AuthState } from './auth-store.ts';

/** The BroadcastChannel the shell's tabs use to tell each other about sign-in and sign-out. */
export const SESSION_CHANNEL = 'fedstack-session';

/** What one tab tells the others (never a token). */
export type SessionMessage =
  | { type: 'signed-in'; userId: string }
  | { type: 'signed-out'; userId: string | null };

/** The part of BroadcastChannel the manager uses. */
export interface SessionChannel {
  postMessage(message: SessionMessage): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  close(): void;
}

export interface SessionManagerOptions {
  api: AuthApi;
  /** Where the session goes; the app's is useAuthStore. */
  store: StoreApi<AuthState>;
  /** Default: a BroadcastChannel named SESSION_CHANNEL, when the browser has one; null: none. */
  channel?: SessionChannel | null;
  /** How long before the access token expires to refresh it. Default 60 s. */
  refreshLeadMs?: number;
  /** Waits before trying a failed (not refused) refresh again, the last one repeating. */
  retryDelaysMs?: readonly number[];
  /** Default Date.now. */
  now?: () => number;
}

export interface LogoutResult {
  /** How many sessions the server ended. */
  endedSessions: number;
  /** False when the server could not be reached: this tab is signed out all the same. */
  serverReached: boolean;
}

export interface SessionManager {
  /** The REST client the sign-in and sign-up forms use. */
  readonly api: AuthApi;
  /**
   * At start (and on "Try again"): one refresh, which signs the tab in from the refresh
   * cookie; 401 signs it out. The store says `restoring` until then.
   */
  restore(): Promise<void>;
  /**
   * A new access token now (one request however many callers ask at once), or null when the
   * session has ended (the tab is then signed out) or the server did not answer. This is the
   * `refresh` the GraphQL clients get.
   */
  refresh(): Promise<string | null>;
  /** After sign-in or sign-up: keeps the session, schedules its refresh, tells other tabs. */
  signedIn(session: Session): void;
  /**
   * Ends sessions on the server (`Authorization: Bearer <access>`; an expired token is
   * refreshed once first). THIS_SESSION and ALL_SESSIONS then sign this tab and the user's
   * other tabs out, even when the server could not be reached.
   */
  logout(scope?: LogoutScope): Promise<LogoutResult>;
  /** Stops timers and listeners and closes the channel. */
  dispose(): void;
}

type RefreshOutcome = { kind: 'ok' } | { kind: 'ended' } | { kind: 'failed'; error: AuthApiError };

const asAuthError = (error: unknown): AuthApiError =>
  error instanceof AuthApiError ? error : new AuthApiError('INTERNAL', error instanceof Error ? error.message : String(error), 0);

/**
 * The access token's lifetime from its own `iat` and `exp` (not the browser's clock, which
 * may be off), or null when it is not a JWT with both.
 */
export function tokenLifetimeMs(accessToken: string): number | null {
  const part = accessToken.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const { iat, exp } = JSON.parse(json) as { iat?: unknown; exp?: unknown };
    if (typeof iat !== 'number' || typeof exp !== 'number' || exp <= iat) return null;
    return (exp - iat) * 1000;
  } catch {
    return null;
  }
}

function defaultChannel(): SessionChannel | null {
  return typeof BroadcastChannel === 'function' ? (new BroadcastChannel(SESSION_CHANNEL) as SessionChannel) : null;
}

/**
 * Keeps a tab's session alive with the refresh cookie: restores it at start, refreshes the
 * access token `refreshLeadMs` before it expires (and as soon as the tab is visible or back
 * online if that moment has passed, e.g. after sleep), retries with back-off when the server
 * does not answer, signs out when the server says the session has ended, and keeps the
 * user's tabs in step through a BroadcastChannel. Several tabs refreshing at the same moment
 * is fine: the server gives them the same rotated token within its grace window.
 */
export function createSessionManager(options: SessionManagerOptions): SessionManager {
  const { api, store } = options;
  const lead = options.refreshLeadMs ?? 60_000;
  const retryDelays = options.retryDelaysMs?.length ? options.retryDelaysMs : [5_000, 15_000, 30_000, 60_000];
  const now = options.now ?? (() => Date.now());
  const channel = options.channel === undefined ? defaultChannel() : options.channel;

  let inflight: Promise<RefreshOutcome> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let dueAt = Number.POSITIVE_INFINITY;
  let failures = 0;
  // Bumped whenever this tab signs in or out on its own, so the answer to a refresh sent
  // before that cannot undo it.
  let generation = 0;
  let disposed = false;

  const state = () => store.getState();

  function clearTimer() {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    dueAt = Number.POSITIVE_INFINITY;
  }

  function refreshIn(delay: number) {
    clearTimer();
    if (disposed) return;
    dueAt = now() + delay;
    timer = setTimeout(() => {
      timer = undefined;
      void runRefresh();
    }, delay);
  }

  function schedule(session: Session) {
    failures = 0;
    const lifetime = tokenLifetimeMs(session.accessToken) ?? Date.parse(session.expiresAt) - now();
    // `lead` before expiry; for tokens shorter-lived than twice the lead, half-way.
    const delay = Math.max(1_000, Math.max(lifetime - lead, lifetime / 2));
    refreshIn(delay);
  }

  function retryLater() {
    if (!state().session) return;
    const delay = retryDelays[Math.min(failures, retryDelays.length - 1)] ?? 60_000;
    failures += 1;
    refreshIn(delay);
  }

  function endLocally() {
    generation += 1;
    failures = 0;
    clearTimer();
    state().signOut();
  }

  function post(message: SessionMessage) {
    try {
      channel?.postMessage(message);
    } catch {
      // a closed channel (after dispose): nobody to tell
    }
  }

  function runRefresh(): Promise<RefreshOutcome> {
    if (inflight) return inflight;
    const started = generation;
    inflight = api
      .refresh()
      .then(
        (session): RefreshOutcome => {
          if (started === generation && !disposed) {
            state().signIn(session);
            schedule(session);
          }
          return { kind: 'ok' };
        },
        (error: unknown): RefreshOutcome => {
          const failure = asAuthError(error);
          if (failure.sessionEnded) {
            if (started === generation) endLocally();
            return { kind: 'ended' };
          }
          if (started === generation) retryLater();
          return { kind: 'failed', error: failure };
        },
      )
      .finally(() => {
        inflight = null;
      });
    return inflight;
  }

  async function refresh(): Promise<string | null> {
    const outcome = await runRefresh();
    return outcome.kind === 'ok' ? (state().session?.accessToken ?? null) : null;
  }

  function signedIn(session: Session) {
    generation += 1;
    state().signIn(session);
    schedule(session);
    post({ type: 'signed-in', userId: session.user.id });
  }

  async function restore() {
    state().restoring();
    const outcome = await runRefresh();
    if (outcome.kind === 'failed' && !state().session) state().restoreFailedSignedOut();
  }

  async function logout(scope: LogoutScope = 'THIS_SESSION'): Promise<LogoutResult> {
    const session = state().session;
    let endedSessions = 0;
    let serverReached = true;
    if (session) {
      try {
        endedSessions = (await api.logout(scope, session.accessToken)).endedSessions;
      } catch (error) {
        const failure = asAuthError(error);
        if (failure.sessionEnded) {
          // The access token expired or was refused: refresh once and try again. No token
          // means the session is already over (and its cookie cleared).
          const token = await refresh();
          if (token) {
            try {
              endedSessions = (await api.logout(scope, token)).endedSessions;
            } catch {
              serverReached = false;
            }
          }
        } else {
          serverReached = false;
        }
      }
    }
    if (scope !== 'OTHER_SESSIONS') {
      endLocally();
      post({ type: 'signed-out', userId: session?.user.id ?? null });
    }
    return { endedSessions, serverReached };
  }

  const onMessage = (event: MessageEvent) => {
    const message = event.data as Partial<SessionMessage> | null;
    const mine = state().session;
    if (message?.type === 'signed-out') {
      // Another tab of this user signed out: so does this one (the cookie is gone anyway).
      if (mine && (message.userId == null || message.userId === mine.user.id)) endLocally();
    } else if (message?.type === 'signed-in' && typeof message.userId === 'string') {
      // Another tab signed in: the cookie now names that session; pick it up.
      if (!mine || mine.user.id !== message.userId) void runRefresh();
    }
  };
  channel?.addEventListener('message', onMessage);

  // Timers do not run while the machine sleeps and are throttled in hidden tabs: when the
  // tab comes back, refresh at once if the planned moment has passed.
  const catchUp = () => {
    if (disposed || !state().session || now() < dueAt) return;
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return;
    void runRefresh();
  };
  const target = typeof window !== 'undefined' ? window : undefined;
  target?.addEventListener('online', catchUp);
  target?.addEventListener('focus', catchUp);
  if (typeof document !== 'undefined') document.addEventListener('visibilitychange', catchUp);

  return {
    api,
    restore,
    refresh,
    signedIn,
    logout,
    dispose() {
      disposed = true;
      clearTimer();
      channel?.removeEventListener('message', onMessage);
      channel?.close();
      target?.removeEventListener('online', catchUp);
      target?.removeEventListener('focus', catchUp);
      if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', catchUp);
    },
  };
}
