// A small, safe reading of the Markdown models write: fenced code blocks, headings, lists,
// quotes and paragraphs, and inline code, bold, italics and http(s) links. It produces a
// tree of plain strings that components render as React elements, so any HTML in the
// text is shown as text, never interpreted. An unterminated code fence (an answer still
// being written) runs to the end.

export type Inline =
  | { type: 'text'; text: string }
  | { type: 'code'; text: string }
  | { type: 'strong'; children: Inline[] }
  | { type: 'em'; children: Inline[] }
  | { type: 'link'; href: string; children: Inline[] };

export type Block =
  | { type: 'paragraph'; lines: string[] }
  | { type: 'heading'; level: number; text: string }
  | { type: 'code'; language: string; text: string }
  | { type: 'list'; ordered: boolean; start: number; items: string[] }
  | { type: 'quote'; lines: string[] };

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^ {0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^ {0,3}(\d{1,9})[.)]\s+(.*)$/;
const QUOTE = /^ {0,3}>\s?(.*)$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;

/** The blocks of a Markdown text. */
export function parseBlocks(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let paragraph: string[] | null = null;
  let list: Extract<Block, { type: 'list' }> | null = null;
  let quote: string[] | null = null;

  const flush = () => {
    if (paragraph) blocks.push({ type: 'paragraph', lines: paragraph });
    if (list) blocks.push(list);
    if (quote) blocks.push({ type: 'quote', lines: quote });
    paragraph = null;
    list = null;
    quote = null;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      flush();
      const marker = fence[1]!;
      const body: string[] = [];
      i++;
      while (i < lines.length) {
        const inner = lines[i]!;
        const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(inner);
        if (close && close[1]![0] === marker[0] && close[1]!.length >= marker.length) break;
        body.push(inner);
        i++;
      }
      blocks.push({ type: 'code', language: fence[2] ?? '', text: body.join('\n') });
      continue;
    }
    if (line.trim() === '') {
      flush();
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flush();
      blocks.push({ type: 'heading', level: heading[1]!.length, text: heading[2]! });
      continue;
    }
    if (RULE.test(line) && !paragraph) {
      flush();
      continue;
    }
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    if (bullet || numbered) {
      const ordered = !!numbered;
      const current = list as Extract<Block, { type: 'list' }> | null;
      if (!current || current.ordered !== ordered) {
        flush();
        list = { type: 'list', ordered, start: numbered ? Number(numbered[1]) : 1, items: [] };
      }
      list!.items.push(bullet ? bullet[1]! : numbered![2]!);
      continue;
    }
    const quoted = QUOTE.exec(line);
    if (quoted) {
      if (!quote) {
        flush();
        quote = [];
      }
      quote.push(quoted[1]!);
      continue;
    }
    if (list) {
      const current = list as Extract<Block, { type: 'list' }>;
      if (/^\s+/.test(line)) {
        // a continuation of the last item
        current.items[current.items.length - 1] += ` ${line.trim()}`;
        continue;
      }
      flush();
    }
    if (quote) flush();
    paragraph = paragraph ?? [];
    paragraph.push(line);
  }
  flush();
  return blocks;
}

// `code` | **strong** | __strong__ | *em* | _em_ | [text](http…) | a bare http(s) URL
const INLINE =
  /(`+)([\s\S]*?[^`])\1(?!`)|\*\*(?=\S)([\s\S]*?\S)\*\*|__(?=\S)([\s\S]*?\S)__|\*(?=[^\s*])([^*]*?[^\s*])\*|(?<![\w])_(?=[^\s_])([^_]*?[^\s_])_(?![\w])|\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>"'`]*[^\s<>"'`.,;:!?)\]])/g;

/** The inline pieces of one block's text. */
export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let last = 0;
  const push = (piece: Inline) => {
    const prev = out[out.length - 1];
    if (piece.type === 'text' && prev?.type === 'text') prev.text += piece.text;
    else out.push(piece);
  };
  for (const m of text.matchAll(INLINE)) {
    const at = m.index;
    if (at > last) push({ type: 'text', text: text.slice(last, at) });
    if (m[2] !== undefined) push({ type: 'code', text: m[2].replace(/^ (.*) $/s, '$1') });
    else if (m[3] !== undefined || m[4] !== undefined) push({ type: 'strong', children: parseInline(m[3] ?? m[4]!) });
    else if (m[5] !== undefined || m[6] !== undefined) push({ type: 'em', children: parseInline(m[5] ?? m[6]!) });
    else if (m[7] !== undefined && m[8] !== undefined) push({ type: 'link', href: m[8], children: parseInline(m[7]) });
    else if (m[9] !== undefined) push({ type: 'link', href: m[9], children: [{ type: 'text', text: m[9] }] });
    last = at + m[0].length;
  }
  if (last < text.length) push({ type: 'text', text: text.slice(last) });
  return out;
}

/** Whether a URL may be a link's target: http and https only (no javascript:, data:…). */
export function safeHref(href: string): string | null {
  try {
    const url = new URL(href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
  } catch {
    return null;
  }
}
