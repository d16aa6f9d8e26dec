import { useMemo } from 'react';
import type { RemoteAppProps } from '@fedstack/graphql/client-config';
import { RemoteOutlet } from '../../features/remotes/components/remote-outlet.tsx';
import { getAccessToken } from '../../lib/auth-store.ts';
import { useRuntimeConfig } from '../../lib/runtime-config.ts';
import { useSessionManager } from '../../lib/session-context.ts';

/** What the ai remote takes: the client settings, and where it is mounted (its routes are /ai/:conversationId). */
type AiRemoteProps = RemoteAppProps & { basePath: string };

/** The assistant micro-frontend (chat), loaded at run time from the manifest in the runtime config. */
export function AiRoute() {
  const { graphqlUrl } = useRuntimeConfig();
  const { refresh } = useSessionManager();
  const props = useMemo<AiRemoteProps>(
    () => ({ client: { url: graphqlUrl, getToken: getAccessToken, refresh }, basePath: '/ai' }),
    [graphqlUrl, refresh],
  );
  return <RemoteOutlet id="ai/ai-app" label="Assistant" props={props} />;
}
