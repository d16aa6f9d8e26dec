#!/usr/bin/env node
// Copies an app's persisted-documents.json (written by the codegen client preset) to
// <repo>/schema/persisted/<app>.json, the manifest the router loads.
//
// Manifest format: a JSON object mapping the bare lower-case hex SHA-256 of the document
// text (exactly the value the client sends in extensions.persistedQuery.sha256Hash) to the
// document text, keys sorted. Codegen's own "sha256:" prefix is dropped. Every hash is
// checked against its text, so a manifest can never disagree with what clients send.
//
// It also checks that every generated document (graphql.ts beside the manifest) carries the
// same text and hash in its __meta__, which is what the client sends at run time.
//
// usage: fedstack-publish-persisted <app> <codegen output dir>
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const [app, gqlDir] = process.argv.slice(2);
if (!app || !gqlDir || !/^[a-z][a-z0-9-]*$/.test(app)) {
  console.error('usage: fedstack-publish-persisted <app> <codegen output dir>');
  process.exit(2);
}
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const outDir = process.env.PERSISTED_DIR ?? join(repoRoot, 'schema', 'persisted');

const documents = JSON.parse(readFileSync(join(gqlDir, 'persisted-documents.json'), 'utf8'));
const generated = readFileSync(join(gqlDir, 'graphql.ts'), 'utf8');
const manifest = {};
for (const [key, text] of Object.entries(documents)) {
  const hash = key.replace(/^sha256:/, '');
  const actual = createHash('sha256').update(text).digest('hex');
  if (hash !== actual) {
    throw new Error(`persisted document ${key}: hash does not match its text (${actual})`);
  }
  if (!generated.includes(JSON.stringify({ text, hash: key }))) {
    throw new Error(`persisted document ${key}: no generated document carries this text and hash`);
  }
  manifest[hash] = text;
}
const sorted = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b)));
mkdirSync(outDir, { recursive: true });
const out = join(outDir, `${app}.json`);
writeFileSync(out, JSON.stringify(sorted, null, 2) + '\n');
console.log(`${Object.keys(sorted).length} persisted operations written to ${relative(process.cwd(), out)}`);
