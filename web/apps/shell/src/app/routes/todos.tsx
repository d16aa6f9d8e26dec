import { useMemo } from 'react';
import type { RemoteAppProps } from '@fedstack/graphql/client-config';
import { RemoteOutlet } from '../../features/remotes/components/remote-outlet.tsx';
import { getAccessToken } from '../../lib/auth-store.ts';
import { useRuntimeConfig } from '../../lib/runtime-config.ts';
import { useSessionManager } from '../../lib/session-context.ts';

/** The todos micro-frontend, loaded at run time from the manifest in the runtime config. */
export function TodosRoute() {
  const { graphqlUrl } = useRuntimeConfig();
  const { refresh } = useSessionManager();
  const props = useMemo<RemoteAppProps>(
    () => ({ client: { url: graphqlUrl, getToken: getAccessToken, refresh } }),
    [graphqlUrl, refresh],
  );
  return <RemoteOutlet id="todos/todos-app" label="Todos" props={props} />;
}
