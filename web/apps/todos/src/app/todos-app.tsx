import { useEffect, useState } from 'react';
import { Provider } from 'urql';
import type { RemoteAppProps } from '@fedstack/graphql/client-config';
import { createGraphqlClient, type GraphqlClient } from '@fedstack/graphql/create-client';
import { TodosView } from '../features/todos/components/todos-view.tsx';
import { LiveConnectionContext } from '../lib/live-connection.ts';

/**
 * The todos micro-frontend, exposed to the shell as `todos/todos-app`. The shell passes the
 * GraphQL endpoint and its token getter; this app builds its own urql client (HTTP with
 * persisted operations, graphql-ws for `todoChanged`) and closes it when unmounted.
 */
export default function TodosApp({ client: config }: RemoteAppProps) {
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
        <TodosView />
      </LiveConnectionContext.Provider>
    </Provider>
  );
}
