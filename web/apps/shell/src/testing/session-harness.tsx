import type { ReactNode } from 'react';
import { createAuthApi } from '../lib/auth-api.ts';
import { useAuthStore } from '../lib/auth-store.ts';
import { SessionManagerContext } from '../lib/session-context.ts';
import { createSessionManager, type SessionManager } from '../lib/session-manager.ts';
import { fakeAuthServer, type FakeAuthServer } from './fake-auth-server.ts';

const live: SessionManager[] = [];

/**
 * The app's auth store with a session manager talking to `server` (an in-memory auth
 * service), and a wrapper providing it to components.
 */
export function sessionHarness(server: FakeAuthServer = fakeAuthServer()) {
  const manager = createSessionManager({ api: createAuthApi({ fetch: server.fetch }), store: useAuthStore, channel: null });
  live.push(manager);
  const wrap = (ui: ReactNode) => <SessionManagerContext.Provider value={manager}>{ui}</SessionManagerContext.Provider>;
  return { server, manager, wrap };
}

/** For afterEach: stops the harnesses' managers and resets the app's auth store. */
export function resetSessions(status: 'ready' | 'restoring' = 'ready') {
  for (const m of live.splice(0)) m.dispose();
  useAuthStore.setState({ status, session: null, restoreFailed: false });
}
