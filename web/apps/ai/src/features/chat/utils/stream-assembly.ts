// An answer put together from messageStream chunks. Chunks say at which byte offset of the
// answer's UTF-8 text they start, so the assembly can take them in any overlap: a chunk
// received twice (a resubscription that replays what was already shown) adds nothing, one
// that overlaps adds only its new part, and one that starts past what was received is a
// gap: the caller subscribes again from `bytes`.

/** The text received so far and its length in UTF-8 bytes (the offset to resume from). */
export interface StreamAssembly {
  readonly text: string;
  readonly bytes: number;
}

export interface StreamPiece {
  /** Byte offset in the answer at which `text` starts. */
  offset: number;
  text: string;
}

export type ApplyResult =
  | { kind: 'appended'; assembly: StreamAssembly }
  /** Everything in the chunk was already received. */
  | { kind: 'duplicate'; assembly: StreamAssembly }
  /** The chunk starts after what was received: bytes in between are missing. */
  | { kind: 'gap'; assembly: StreamAssembly };

const utf8Width = (codePoint: number) => (codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4);

/** The length of `text` in UTF-8 bytes. */
export function utf8Length(text: string): number {
  let n = 0;
  for (const ch of text) n += utf8Width(ch.codePointAt(0)!);
  return n;
}

/** `text` without its first `bytes` UTF-8 bytes (a character cut in two is dropped whole). */
export function dropBytes(text: string, bytes: number): string {
  if (bytes <= 0) return text;
  let skipped = 0;
  let index = 0;
  for (const ch of text) {
    if (skipped >= bytes) break;
    skipped += utf8Width(ch.codePointAt(0)!);
    index += ch.length;
  }
  return text.slice(index);
}

/** An assembly that starts from text already known (e.g. the stored part of an answer). */
export function startAssembly(text = ''): StreamAssembly {
  return { text, bytes: utf8Length(text) };
}

/** Adds one chunk to the assembly, by its byte offset. */
export function applyChunk(assembly: StreamAssembly, piece: StreamPiece): ApplyResult {
  if (piece.offset > assembly.bytes) return { kind: 'gap', assembly };
  const end = piece.offset + utf8Length(piece.text);
  if (end <= assembly.bytes) return { kind: 'duplicate', assembly };
  const fresh = dropBytes(piece.text, assembly.bytes - piece.offset);
  return { kind: 'appended', assembly: { text: assembly.text + fresh, bytes: end } };
}
