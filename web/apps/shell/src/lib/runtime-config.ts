import { createContext, useContext } from 'react';

/**
 * Deployment settings the shell reads at start from /runtime-config.json, so the same build
 * runs anywhere and a remote can move or be redeployed without rebuilding the shell.
 */
export interface RuntimeConfig {
  /** GraphQL endpoint, normally "/graphql" on the page's own origin. */
  graphqlUrl: string;
  /** Remote name -> URL of its mf-manifest.json. */
  remotes: Record<string, string>;
}

export const defaultRuntimeConfig: RuntimeConfig = { graphqlUrl: '/graphql', remotes: {} };

export function parseRuntimeConfig(value: unknown): RuntimeConfig {
  if (!value || typeof value !== 'object') throw new Error('runtime config is not an object');
  const { graphqlUrl, remotes } = value as Record<string, unknown>;
  if (graphqlUrl !== undefined && typeof graphqlUrl !== 'string') throw new Error('graphqlUrl must be a string');
  const parsedRemotes: Record<string, string> = {};
  if (remotes !== undefined) {
    if (!remotes || typeof remotes !== 'object') throw new Error('remotes must be an object');
    for (const [name, url] of Object.entries(remotes)) {
      if (typeof url !== 'string') throw new Error(`remotes.${name} must be a URL string`);
      parsedRemotes[name] = url;
    }
  }
  return { graphqlUrl: graphqlUrl ?? defaultRuntimeConfig.graphqlUrl, remotes: parsedRemotes };
}

export async function fetchRuntimeConfig(url = '/runtime-config.json'): Promise<RuntimeConfig> {
  const response = await fetch(url, { cache: 'no-store', headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return parseRuntimeConfig(await response.json());
}

export const RuntimeConfigContext = createContext<RuntimeConfig>(defaultRuntimeConfig);

export const useRuntimeConfig = () => useContext(RuntimeConfigContext);
