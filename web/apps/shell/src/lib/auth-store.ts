import { create } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Session } from './auth-api.ts';

export type { Session, SessionUser } from './auth-api.ts';

/**
 * - `restoring`: the start-up refresh is under way; show a neutral loading state, neither
 *   the signed-in app nor the sign-in page.
 * - `ready`: known; `session` says whether the user is signed in.
 */
export type SessionStatus = 'restoring' | 'ready';

export interface AuthState {
  status: SessionStatus;
  session: Session | null;
  /** The start-up refresh got no answer (not a 401): the user may still have a session. */
  restoreFailed: boolean;
  signIn(session: Session): void;
  signOut(): void;
  restoring(): void;
  /** The start-up refresh got no answer: signed out for now, with a way to try again. */
  restoreFailedSignedOut(): void;
}

const initializer = (set: StoreApi<AuthState>['setState']): AuthState => ({
  status: 'restoring',
  session: null,
  restoreFailed: false,
  signIn: (session) => set({ session, status: 'ready', restoreFailed: false }),
  signOut: () => set({ session: null, status: 'ready', restoreFailed: false }),
  restoring: () => set({ status: 'restoring', restoreFailed: false }),
  restoreFailedSignedOut: () => set({ session: null, status: 'ready', restoreFailed: true }),
});

/** A store of its own, e.g. one per simulated tab in tests. */
export const createAuthStore = (): StoreApi<AuthState> => createStore<AuthState>()(initializer);

/**
 * The signed-in session of this tab. Memory only, on purpose: the access token is never
 * written to localStorage or sessionStorage; a reload gets a new one from the HttpOnly
 * refresh cookie (see session-manager.ts).
 */
export const useAuthStore = create<AuthState>()(initializer);

/** The token getter handed to every GraphQL client, the remotes' included. */
export const getAccessToken = (): string | null => useAuthStore.getState().session?.accessToken ?? null;
