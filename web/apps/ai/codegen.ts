// Types and persisted operations for the ai app's operations (src/features/*/api/*.graphql),
// against the client schema @fedstack/graphql builds. Run through `pnpm -C web generate`.
import { createCodegenConfig } from '@fedstack/graphql/codegen';

const config = createCodegenConfig() as {
  generates: Record<string, { config: { scalars: Record<string, string> } }>;
};
// The ai subgraph's money scalar: a decimal string with six decimals ("0.000150").
for (const output of Object.values(config.generates)) output.config.scalars.USD = 'string';

export default config;
