import { loadRemote, registerRemotes } from '@module-federation/runtime';
import type { ComponentType } from 'react';

/**
 * Registers the remotes named in the runtime config with the Module Federation runtime the
 * build set up (shared singletons included). Remotes are ES modules described by their
 * mf-manifest.json, so a remote redeployed at the same URL is picked up on the next load.
 */
export function registerRuntimeRemotes(remotes: Record<string, string>): void {
  const list = Object.entries(remotes).map(([name, entry]) => ({
    name,
    entry: new URL(entry, window.location.href).toString(),
    type: 'module' as const,
  }));
  if (list.length > 0) registerRemotes(list, { force: true });
}

/** Loads `<remote>/<expose>` and returns its default export, a React component. */
export async function loadRemoteComponent<P>(id: string): Promise<{ default: ComponentType<P> }> {
  const module = await loadRemote<{ default?: ComponentType<P> }>(id);
  if (!module?.default) throw new Error(`remote module ${id} has no default export`);
  return { default: module.default };
}
