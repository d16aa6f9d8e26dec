import { useEffect, useState, type ReactNode } from 'react';
import { Provider as UrqlProvider } from 'urql';
import { createGraphqlClient, type GraphqlClient } from '@fedstack/graphql/create-client';
import { getAccessToken } from '../lib/auth-store.ts';
import { RuntimeConfigContext, type RuntimeConfig } from '../lib/runtime-config.ts';
import { SessionManagerContext } from '../lib/session-context.ts';
import type { SessionManager } from '../lib/session-manager.ts';

export interface AppProviderProps {
  config: RuntimeConfig;
  /** The tab's session manager (sign-in, refresh, logout). */
  session: SessionManager;
  children: ReactNode;
}

/** The shell's own GraphQL client (no subscriptions), the runtime config and the session manager. */
export function AppProvider({ config, session, children }: AppProviderProps) {
  const [graphql] = useState<GraphqlClient>(() =>
    createGraphqlClient({ url: config.graphqlUrl, getToken: getAccessToken, refresh: session.refresh, subscriptions: false }),
  );
  useEffect(() => () => graphql.dispose(), [graphql]);
  return (
    <RuntimeConfigContext.Provider value={config}>
      <SessionManagerContext.Provider value={session}>
        <UrqlProvider value={graphql.client}>{children}</UrqlProvider>
      </SessionManagerContext.Provider>
    </RuntimeConfigContext.Provider>
  );
}
