// Types and persisted operations for this app's operations (src/features/*/api/*.graphql),
// against the client schema @fedstack/graphql builds. Run through `pnpm -C web generate`.
import { createCodegenConfig } from '@fedstack/graphql/codegen';

export default createCodegenConfig();
