// Module Federation settings shared by the shell and every remote, so the singletons
// the architecture names are declared the same way everywhere.

/** Packages that must exist once per page: the shell's copy is used by every remote. */
export const singletons = [
  'react',
  'react-dom',
  'react-router',
  'zustand',
  'urql',
  '@urql/core',
  'graphql',
  'graphql-ws',
];

/**
 * The `shared` option of @module-federation/vite.
 * @param {Record<string, string>} deps the app's package.json dependencies
 */
export function sharedSingletons(deps) {
  /** @type {Record<string, {singleton: true, requiredVersion: string | false}>} */
  const shared = {};
  for (const name of singletons) {
    if (!deps[name]) continue;
    shared[name] = { singleton: true, requiredVersion: deps[name] };
  }
  return shared;
}
