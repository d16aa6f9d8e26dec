import { createAuthApi } from './auth-api.ts';
import { useAuthStore } from './auth-store.ts';
import { createSessionManager } from './session-manager.ts';

/** The app's session manager: `/api/auth` on this origin, the app's auth store, one per tab. */
export const sessionManager = createSessionManager({ api: createAuthApi(), store: useAuthStore });
