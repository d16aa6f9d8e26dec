// What a document upload accepts: text or Markdown files of up to 2 MiB of UTF-8 text.

export const MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;

const TYPES: Record<string, string> = { txt: 'text/plain', text: 'text/plain', md: 'text/markdown', markdown: 'text/markdown' };

/** The content type for a file name (text/plain or text/markdown), or null when not accepted. */
export function documentType(name: string): string | null {
  const ext = /\.([^./\\]+)$/.exec(name)?.[1]?.toLowerCase();
  return ext ? (TYPES[ext] ?? null) : null;
}

export type ReadDocument = { name: string; content: string; contentType: string } | { error: string };

/** Reads a chosen file as a document to upload, or says why it cannot be one. */
export async function readDocumentFile(file: File): Promise<ReadDocument> {
  const contentType = documentType(file.name);
  if (!contentType) return { error: `"${file.name}" is not a .txt or .md file. Only text and Markdown documents can be uploaded.` };
  if (file.size > MAX_DOCUMENT_BYTES) return { error: `"${file.name}" is larger than 2 MB. Split it into smaller documents.` };
  if (file.size === 0) return { error: `"${file.name}" is empty.` };
  const bytes = new Uint8Array(await file.arrayBuffer());
  let content: string;
  try {
    content = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { error: `"${file.name}" is not UTF-8 text. Save it as UTF-8 and try again.` };
  }
  if (content.includes('\u0000')) return { error: `"${file.name}" looks like a binary file, not text.` };
  return { name: file.name, content: content.replace(/^\uFEFF/, ''), contentType };
}
