import { create } from 'zustand';

export interface SessionUser {
  id: string;
  name: string;
  email: string;
}

export interface Session {
  accessToken: string;
  expiresAt: string;
  user: SessionUser;
}

interface AuthState {
  session: Session | null;
  signIn(session: Session): void;
  signOut(): void;
}

/**
 * The signed-in session. Memory only, on purpose: the access token is never written to
 * localStorage or sessionStorage, so a reload signs the user out (until the refresh-cookie
 * flow lands).
 */
export const useAuthStore = create<AuthState>()((set) => ({
  session: null,
  signIn: (session) => set({ session }),
  signOut: () => set({ session: null }),
}));

/** The token getter handed to every GraphQL client, the remotes' included. */
export const getAccessToken = (): string | null => useAuthStore.getState().session?.accessToken ?? null;
