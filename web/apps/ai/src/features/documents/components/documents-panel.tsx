import { useId, useRef } from 'react';
import { Alert } from '@fedstack/ui/alert';
import { Button } from '@fedstack/ui/button';
import { ConfirmButton } from '../../../components/confirm-button.tsx';
import { formatBytes } from '../../../lib/format.ts';
import { useDocuments } from '../hooks/use-documents.ts';

/** The documents answers may cite: the list, an upload of a .txt or .md file, delete. */
export function DocumentsPanel() {
  const docs = useDocuments();
  const inputId = useId();
  const input = useRef<HTMLInputElement>(null);

  return (
    <section className="fs-ai-panel" aria-labelledby={`${inputId}-title`}>
      <h3 id={`${inputId}-title`}>Documents</h3>
      <p className="fs-ai-hint">Answers can cite the text and Markdown files you add here.</p>
      <label htmlFor={inputId} className="fs-ai-upload">
        {docs.uploading ? 'Uploading…' : 'Upload a document (.txt, .md)'}
      </label>
      <input
        id={inputId}
        ref={input}
        type="file"
        accept=".txt,.md,.markdown,text/plain,text/markdown"
        className="fs-ai-file"
        disabled={docs.uploading}
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (!file) return;
          void docs.upload(file).finally(() => {
            if (input.current) input.current.value = '';
          });
        }}
      />
      {docs.notice ? (
        <Alert>
          {docs.notice}{' '}
          <Button variant="secondary" onClick={docs.dismissNotice} style={{ padding: '0 8px' }}>
            Dismiss
          </Button>
        </Alert>
      ) : null}
      {docs.error && !docs.documents ? (
        <Alert>
          Could not load your documents: {docs.error}{' '}
          <Button variant="secondary" onClick={docs.reload}>
            Try again
          </Button>
        </Alert>
      ) : null}
      {docs.documents && docs.documents.length === 0 ? <p className="fs-ai-hint">No documents yet.</p> : null}
      {docs.documents && docs.documents.length > 0 ? (
        <ul className="fs-ai-documents" aria-label="Your documents">
          {docs.documents.map((d) => (
            <li key={d.id} data-testid="document">
              <span className="fs-ai-document-name">{d.name}</span>
              <span className="fs-ai-hint">
                {formatBytes(d.size)} · {d.chunkCount} {d.chunkCount === 1 ? 'part' : 'parts'}
              </span>
              <ConfirmButton label="Delete" name={`Delete ${d.name}`} question={`Delete ${d.name}?`} onConfirm={() => void docs.remove(d.id)} />
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
