#!/usr/bin/env node
// Builds the client-facing schema (what the router serves) that the apps' codegen reads:
// packages/graphql/schema.graphql.
//
// Source, first found wins:
//   1. <repo>/schema/supergraph.graphql, written by the router's compose command;
//   2. every <repo>/schema/<subgraph>/*.graphqls, merged by type name.
// Either way the result is the API schema: federation machinery (join__/link__ types,
// _Service, _Entity, _Any, FieldSet, ...) and every directive other than GraphQL's own are
// removed, and so is everything marked @inaccessible. Types and fields are sorted, so the
// output does not depend on which source was used or on the order of the files.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Kind,
  buildASTSchema,
  lexicographicSortSchema,
  parse,
  printSchema,
  specifiedDirectives,
  validateSchema,
} from 'graphql';

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = resolve(here, '..');
const repoRoot = resolve(pkgDir, '..', '..', '..');
const schemaDir = process.env.SCHEMA_DIR ?? join(repoRoot, 'schema');
const outFile = join(pkgDir, 'schema.graphql');

const builtinDirectives = new Set(specifiedDirectives.map((d) => d.name));
const machineryTypes = new Set([
  '_Any',
  '_Entity',
  '_Service',
  'FieldSet',
  'federation__FieldSet',
  'federation__Scope',
  'federation__Policy',
  'federation__ContextFieldValue',
  'link__Import',
  'link__Purpose',
]);
const isMachinery = (name) =>
  machineryTypes.has(name) || name.startsWith('join__') || name.startsWith('link__');
const machineryRootFields = new Set(['_service', '_entities']);

function sources() {
  const supergraph = join(schemaDir, 'supergraph.graphql');
  if (existsSync(supergraph)) return [supergraph];
  const files = [];
  for (const entry of readdirSync(schemaDir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (!entry.isDirectory()) continue;
    const dir = join(schemaDir, entry.name);
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith('.graphqls') || f.endsWith('.graphql')) files.push(join(dir, f));
    }
  }
  if (files.length === 0) throw new Error(`no schema files under ${schemaDir}`);
  return files;
}

const inaccessible = (node) => (node.directives ?? []).some((d) => d.name.value === 'inaccessible');
const keepDirectives = (node) =>
  (node.directives ?? []).filter((d) => builtinDirectives.has(d.name.value));

function cleanField(field) {
  return {
    ...field,
    directives: keepDirectives(field),
    arguments: field.arguments
      ?.filter((a) => !inaccessible(a))
      .map((a) => ({ ...a, directives: keepDirectives(a) })),
  };
}

const typeKinds = new Set([
  Kind.OBJECT_TYPE_DEFINITION,
  Kind.OBJECT_TYPE_EXTENSION,
  Kind.INTERFACE_TYPE_DEFINITION,
  Kind.INTERFACE_TYPE_EXTENSION,
  Kind.INPUT_OBJECT_TYPE_DEFINITION,
  Kind.INPUT_OBJECT_TYPE_EXTENSION,
  Kind.ENUM_TYPE_DEFINITION,
  Kind.ENUM_TYPE_EXTENSION,
  Kind.SCALAR_TYPE_DEFINITION,
  Kind.SCALAR_TYPE_EXTENSION,
  Kind.UNION_TYPE_DEFINITION,
  Kind.UNION_TYPE_EXTENSION,
]);
const asDefinition = {
  [Kind.OBJECT_TYPE_EXTENSION]: Kind.OBJECT_TYPE_DEFINITION,
  [Kind.INTERFACE_TYPE_EXTENSION]: Kind.INTERFACE_TYPE_DEFINITION,
  [Kind.INPUT_OBJECT_TYPE_EXTENSION]: Kind.INPUT_OBJECT_TYPE_DEFINITION,
  [Kind.ENUM_TYPE_EXTENSION]: Kind.ENUM_TYPE_DEFINITION,
  [Kind.SCALAR_TYPE_EXTENSION]: Kind.SCALAR_TYPE_DEFINITION,
  [Kind.UNION_TYPE_EXTENSION]: Kind.UNION_TYPE_DEFINITION,
};

// Merges all type definitions by name: fields, values, members and interfaces are unioned,
// the first description wins.
function merge(documents) {
  const types = new Map();
  for (const doc of documents) {
    for (const def of doc.definitions) {
      if (!typeKinds.has(def.kind)) continue; // schema, directive definitions, extend schema
      const name = def.name.value;
      if (isMachinery(name) || inaccessible(def)) {
        if (inaccessible(def)) types.set(name, null);
        continue;
      }
      const kind = asDefinition[def.kind] ?? def.kind;
      const prev = types.get(name);
      if (prev === null) continue;
      if (!prev) {
        types.set(name, {
          kind,
          name: def.name,
          description: def.description,
          fields: [],
          values: [],
          types: [],
          interfaces: [],
        });
      }
      const t = types.get(name);
      t.description ??= def.description;
      const byName = (list, item) => list.some((x) => x.name.value === item.name.value);
      for (const f of def.fields ?? []) {
        if (inaccessible(f) || byName(t.fields, f)) continue;
        t.fields.push(cleanField(f));
      }
      for (const v of def.values ?? []) {
        if (inaccessible(v) || byName(t.values, v)) continue;
        t.values.push({ ...v, directives: keepDirectives(v) });
      }
      for (const m of def.types ?? []) if (!byName(t.types, m)) t.types.push(m);
      for (const i of def.interfaces ?? []) if (!byName(t.interfaces, i)) t.interfaces.push(i);
    }
  }
  const removed = new Set([...types].filter(([, t]) => t === null).map(([n]) => n));
  const namedType = (typeNode) => (typeNode.type ? namedType(typeNode.type) : typeNode.name.value);
  const definitions = [];
  for (const [, t] of types) {
    if (t === null) continue;
    const fields = t.fields
      .filter((f) => !(t.name.value === 'Query' && machineryRootFields.has(f.name.value)))
      .filter((f) => !removed.has(namedType(f.type)));
    const node = { kind: t.kind, name: t.name, description: t.description, directives: [] };
    switch (t.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_DEFINITION:
        node.fields = fields;
        node.interfaces = t.interfaces.filter((i) => !removed.has(i.name.value));
        break;
      case Kind.INPUT_OBJECT_TYPE_DEFINITION:
        node.fields = fields;
        break;
      case Kind.ENUM_TYPE_DEFINITION:
        node.values = t.values;
        break;
      case Kind.UNION_TYPE_DEFINITION:
        node.types = t.types.filter((m) => !removed.has(m.name.value));
        break;
      default:
        break;
    }
    definitions.push(node);
  }
  return { kind: Kind.DOCUMENT, definitions };
}

const files = sources();
const merged = merge(files.map((f) => parse(readFileSync(f, 'utf8'), { noLocation: true })));
const schema = lexicographicSortSchema(buildASTSchema(merged));
const errors = validateSchema(schema);
if (errors.length > 0) {
  throw new Error(`client schema is invalid:\n${errors.map((e) => e.message).join('\n')}`);
}
const header =
  '# Generated by packages/graphql/scripts/build-client-schema.mjs; do not edit.\n' +
  '# The client-facing schema: the composed subgraphs minus federation machinery and\n' +
  '# @inaccessible fields. Regenerate with `pnpm -C web generate`.\n\n';
writeFileSync(outFile, header + printSchema(schema) + '\n');
console.log(
  `client schema written to ${relative(process.cwd(), outFile)} from ${files
    .map((f) => relative(repoRoot, f))
    .join(', ')}`,
);
