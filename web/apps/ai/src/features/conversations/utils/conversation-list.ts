import type { ConversationSummaryFragment } from '../../../lib/gql/graphql.ts';

export type ConversationSummary = ConversationSummaryFragment;

/** Newest activity first; ties by id so the order is stable. */
const newestFirst = (a: ConversationSummary, b: ConversationSummary) =>
  b.updatedAt.localeCompare(a.updatedAt) || b.id.localeCompare(a.id);

/**
 * `list` with `incoming` merged in by id (the later activity wins; a newer answer from
 * this page replaces an older one), newest first.
 */
export function mergeConversations(list: readonly ConversationSummary[], incoming: readonly ConversationSummary[]): ConversationSummary[] {
  const byId = new Map(list.map((c) => [c.id, c]));
  for (const c of incoming) {
    const known = byId.get(c.id);
    if (!known || c.updatedAt >= known.updatedAt) byId.set(c.id, c);
  }
  return [...byId.values()].sort(newestFirst);
}

export interface SnippetPart {
  text: string;
  match: boolean;
}

/** A search snippet split into plain text and the matched words (between « and »). */
export function snippetParts(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  const re = /«([^»]*)»/g;
  let last = 0;
  for (const m of snippet.matchAll(re)) {
    if (m.index > last) parts.push({ text: snippet.slice(last, m.index), match: false });
    if (m[1]) parts.push({ text: m[1], match: true });
    last = m.index + m[0].length;
  }
  if (last < snippet.length) parts.push({ text: snippet.slice(last), match: false });
  return parts;
}
