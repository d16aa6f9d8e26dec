import { describe, expect, it } from 'vitest';
import { applyChunk, dropBytes, startAssembly, utf8Length, type StreamAssembly } from './stream-assembly.ts';

/** Feeds chunks in order and returns the text with what each chunk did. */
function feed(start: StreamAssembly, chunks: Array<[number, string]>) {
  let a = start;
  const kinds: string[] = [];
  for (const [offset, text] of chunks) {
    const r = applyChunk(a, { offset, text });
    kinds.push(r.kind);
    a = r.assembly;
  }
  return { text: a.text, bytes: a.bytes, kinds };
}

describe('utf8Length and dropBytes', () => {
  it('count UTF-8 bytes, not UTF-16 units', () => {
    expect(utf8Length('abc')).toBe(3);
    expect(utf8Length('é')).toBe(2);
    expect(utf8Length('€')).toBe(3);
    expect(utf8Length('👋')).toBe(4); // two UTF-16 units
    expect(utf8Length('héllo 👋')).toBe(11);
    expect(dropBytes('héllo', 3)).toBe('llo');
    expect(dropBytes('👋 hi', 4)).toBe(' hi');
    expect(dropBytes('abc', 0)).toBe('abc');
  });
});

describe('applyChunk', () => {
  it('appends chunks that follow each other', () => {
    const r = feed(startAssembly(), [
      [0, 'Hello'],
      [5, ' wor'],
      [9, 'ld'],
    ]);
    expect(r).toEqual({ text: 'Hello world', bytes: 11, kinds: ['appended', 'appended', 'appended'] });
  });

  it('resumes after text already known (the stored part of an answer)', () => {
    const r = feed(startAssembly('Hel'), [[3, 'lo']]);
    expect(r.text).toBe('Hello');
    expect(r.bytes).toBe(5);
  });

  it('adds nothing for a chunk received again, and only the new part of an overlapping one', () => {
    const r = feed(startAssembly(), [
      [0, 'Hello'],
      [0, 'Hello'], // replayed after a resubscription from 0
      [5, ' world'],
      [3, 'lo world!'], // overlaps: only "!" is new
      [6, 'wor'], // wholly inside
    ]);
    expect(r.text).toBe('Hello world!');
    expect(r.kinds).toEqual(['appended', 'duplicate', 'appended', 'appended', 'duplicate']);
  });

  it('counts offsets in bytes across multi-byte characters', () => {
    const r = feed(startAssembly(), [
      [0, 'Grüß'], // 6 bytes
      [6, ' 👋'], // 5 bytes
      [6, ' 👋 ok'], // replay with more: " ok" is new
      [14, '!'],
    ]);
    expect(r.text).toBe('Grüß 👋 ok!');
    expect(r.bytes).toBe(utf8Length('Grüß 👋 ok!'));
  });

  it('reports a gap instead of appending text that does not follow', () => {
    const a = startAssembly('Hello');
    const r = applyChunk(a, { offset: 8, text: 'ld' });
    expect(r.kind).toBe('gap');
    expect(r.assembly).toBe(a);
  });

  it('takes an empty last chunk at the end as nothing new', () => {
    const a = startAssembly('done');
    expect(applyChunk(a, { offset: 4, text: '' }).kind).toBe('duplicate');
  });
});
