import { useEffect, useState, type ReactNode } from 'react';
import { Provider as UrqlProvider } from 'urql';
import { createGraphqlClient, type GraphqlClient } from '@fedstack/graphql/create-client';
import { getAccessToken } from '../lib/auth-store.ts';
import { RuntimeConfigContext, type RuntimeConfig } from '../lib/runtime-config.ts';

/** The shell's own GraphQL client (sign-up, sign-in; no subscriptions) and the runtime config. */
export function AppProvider({ config, children }: { config: RuntimeConfig; children: ReactNode }) {
  const [graphql] = useState<GraphqlClient>(() =>
    createGraphqlClient({ url: config.graphqlUrl, getToken: getAccessToken, subscriptions: false }),
  );
  useEffect(() => () => graphql.dispose(), [graphql]);
  return (
    <RuntimeConfigContext.Provider value={config}>
      <UrqlProvider value={graphql.client}>{children}</UrqlProvider>
    </RuntimeConfigContext.Provider>
  );
}
