// Composes the bench subgraphs (bench/subgraphs/<name>/schema.graphqls) into an
// Apollo supergraph SDL with @apollo/composition, for the peer gateways.
//
//   node compose.mjs <output file>
//
// Each subgraph's routing URL is BENCH_<NAME>_URL, else
// http://127.0.0.1:<BENCH_<NAME>_PORT>/graphql with the ports of
// cmd/bench-subgraphs (accounts 4201, inventory 4202, products 4203, reviews 4204).
// BENCH_SUBGRAPHS_DIR replaces bench/subgraphs as the folder read.
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

const defaultPorts = { accounts: 4201, inventory: 4202, products: 4203, reviews: 4204 };

const out = process.argv[2];
if (!out) {
  console.error('usage: node compose.mjs <output file>');
  process.exit(2);
}

const root =
  process.env.BENCH_SUBGRAPHS_DIR || join(dirname(fileURLToPath(import.meta.url)), '..', 'subgraphs');
const names = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'schema.graphqls')))
  .map((d) => d.name)
  .sort();
if (names.length === 0) {
  console.error(`compose: no subgraph schemas under ${root}`);
  process.exit(1);
}

const services = names.map((name) => {
  const key = name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const port = process.env[`BENCH_${key}_PORT`] || defaultPorts[name];
  const url = process.env[`BENCH_${key}_URL`] || `http://127.0.0.1:${port}/graphql`;
  const sdl = readFileSync(join(root, name, 'schema.graphqls'), 'utf8');
  return { name, url, typeDefs: parse(sdl) };
});

const result = composeServices(services);
if (result.errors && result.errors.length > 0) {
  for (const e of result.errors) console.error('compose:', e.message);
  process.exit(1);
}
for (const h of result.hints ?? []) {
  if (process.env.COMPOSE_HINTS) console.error('hint:', h.message);
}
writeFileSync(out, result.supergraphSdl);
console.error(`compose: ${names.join(', ')} -> ${out}`);
