// The GraphQL Code Generator config every app uses (its codegen.ts re-exports this).
//
// Client preset with persisted documents: each generated document carries
// `__meta__: { text, hash }`, where `text` is the normalized operation text codegen hashes
// and writes to persisted-documents.json, and `hash` is "sha256:<hex of text>". The client
// (src/create-client.ts) sends exactly that text and hash, so what the browser sends always
// matches schema/persisted/<app>.json.
import { printExecutableGraphQLDocument } from '@graphql-tools/documents';
import { fileURLToPath } from 'node:url';

const schema = fileURLToPath(new URL('./schema.graphql', import.meta.url));

/** @returns {Record<string, unknown>} a CodegenConfig */
export function createCodegenConfig({ documents = ['src/features/*/api/*.graphql'], output = './src/lib/gql/' } = {}) {
  return {
    schema,
    documents,
    ignoreNoDocuments: false,
    generates: {
      [output]: {
        preset: 'client',
        presetConfig: {
          persistedDocuments: true,
          fragmentMasking: false,
          // Same printing as the preset's own normalizeAndPrintDocumentNode for documents
          // without @client/@connection (we have none); publish-persisted checks it.
          onExecutableDocumentNode: (documentNode) => ({
            text: printExecutableGraphQLDocument(documentNode),
          }),
        },
        config: {
          scalars: { DateTime: 'string', Date: 'string' },
          enumsAsTypes: true,
          useTypeImports: true,
          avoidOptionals: false,
        },
      },
    },
  };
}
