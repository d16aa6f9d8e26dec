import { describe, expect, it } from 'vitest';
import { parseRuntimeConfig } from './runtime-config.ts';

describe('parseRuntimeConfig', () => {
  it('reads the GraphQL URL and the remotes\' manifests', () => {
    expect(parseRuntimeConfig({ graphqlUrl: '/graphql', remotes: { todos: '/remotes/todos/mf-manifest.json' } })).toEqual({
      graphqlUrl: '/graphql',
      remotes: { todos: '/remotes/todos/mf-manifest.json' },
    });
    expect(parseRuntimeConfig({})).toEqual({ graphqlUrl: '/graphql', remotes: {} });
  });

  it('rejects a malformed file', () => {
    expect(() => parseRuntimeConfig(null)).toThrow();
    expect(() => parseRuntimeConfig({ remotes: { todos: 1 } })).toThrow(/remotes.todos/);
  });
});
