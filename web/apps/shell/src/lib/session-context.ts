import { createContext, useContext } from 'react';
import type { SessionManager } from './session-manager.ts';

/** The tab's session manager (see session-manager.ts), provided by AppProvider. */
export const SessionManagerContext = createContext<SessionManager | null>(null);

export function useSessionManager(): SessionManager {
  const manager = useContext(SessionManagerContext);
  if (!manager) throw new Error('useSessionManager: no SessionManagerContext provider (AppProvider provides it)');
  return manager;
}
