import { useEffect, useState } from 'react';
import { Provider } from 'urql';
import type { RemoteAppProps } from '@fedstack/graphql/client-config';
import { createGraphqlClient, type GraphqlClient } from '@fedstack/graphql/create-client';
import { LiveConnectionContext } from '../lib/live-connection.ts';
import { AiRoutes } from './ai-routes.tsx';

export interface AiAppProps extends RemoteAppProps {
  /** The path the shell mounts the app at (default "/ai"); conversations are at `${basePath}/<id>`. */
  basePath?: string;
}

/**
 * The assistant micro-frontend, exposed to the shell as `ai/ai-app`. The shell passes the
 * GraphQL endpoint and its token getter; this app builds its own urql client (HTTP with
 * persisted operations, graphql-ws for `messageStream`) and closes it when unmounted. It
 * renders inside the shell's router (react-router is a shared singleton) under `basePath/*`.
 */
export default function AiApp({ client: config, basePath = '/ai' }: AiAppProps) {
  const { url, wsUrl, getToken, refresh } = config;
  const [graphql, setGraphql] = useState<GraphqlClient | null>(null);

  useEffect(() => {
    const created = createGraphqlClient({ url, getToken, ...(wsUrl ? { wsUrl } : {}), ...(refresh ? { refresh } : {}) });
    setGraphql(created);
    return () => {
      created.dispose();
      setGraphql(null);
    };
  }, [url, wsUrl, getToken, refresh]);

  if (!graphql) return null;
  return (
    <Provider value={graphql.client}>
      <LiveConnectionContext.Provider value={graphql.onReconnected}>
        <AiRoutes basePath={basePath} />
      </LiveConnectionContext.Provider>
    </Provider>
  );
}
