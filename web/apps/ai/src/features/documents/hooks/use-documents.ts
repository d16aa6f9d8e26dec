import { useCallback, useEffect, useState } from 'react';
import { useClient } from 'urql';
import {
  AiDocumentsDocument,
  DeleteAiDocumentDocument,
  UploadDocumentDocument,
  type DocumentFieldsFragment,
} from '../../../lib/gql/graphql.ts';
import { describeError, errorCode } from '../../../lib/errors.ts';
import { readDocumentFile } from '../utils/document-file.ts';

export type AiDocument = DocumentFieldsFragment;

export interface UseDocuments {
  /** Newest first; null until loaded. */
  documents: AiDocument[] | null;
  error: string | null;
  uploading: boolean;
  /** What went wrong with the last upload or delete. */
  notice: string | null;
  dismissNotice(): void;
  /** Reads the file in the browser and uploads its text; resolves whether it was added. */
  upload(file: File): Promise<boolean>;
  remove(id: string): Promise<void>;
  reload(): void;
}

/** The user's knowledge base: the documents answers may cite. */
export function useDocuments(): UseDocuments {
  const client = useClient();
  const [documents, setDocuments] = useState<AiDocument[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [uploading, setUploading] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    void client
      .query(AiDocumentsDocument, {}, { requestPolicy: 'network-only' })
      .toPromise()
      .then((result) => {
        if (!live) return;
        if (result.data) {
          setDocuments(result.data.aiDocuments);
          setError(null);
        } else if (result.error) setError(describeError(result.error));
      });
    return () => {
      live = false;
    };
  }, [client, attempt]);

  const upload = useCallback(
    async (file: File) => {
      setNotice(null);
      setUploading(true);
      try {
        const read = await readDocumentFile(file);
        if ('error' in read) {
          setNotice(read.error);
          return false;
        }
        const result = await client.mutation(UploadDocumentDocument, read).toPromise();
        if (result.data) {
          const added = result.data.uploadDocument;
          setDocuments((known) => [added, ...(known ?? []).filter((d) => d.id !== added.id)]);
          return true;
        }
        setNotice(`"${file.name}" was not added: ${result.error ? describeError(result.error) : 'no answer'}`);
        return false;
      } finally {
        setUploading(false);
      }
    },
    [client],
  );

  const remove = useCallback(
    async (id: string) => {
      setNotice(null);
      const result = await client.mutation(DeleteAiDocumentDocument, { id }).toPromise();
      if (result.data || errorCode(result.error) === 'NOT_FOUND') {
        setDocuments((known) => known?.filter((d) => d.id !== id) ?? null);
      } else if (result.error) {
        setNotice(`Could not delete the document: ${describeError(result.error)}`);
      }
    },
    [client],
  );

  return {
    documents,
    error,
    uploading,
    notice,
    dismissNotice: useCallback(() => setNotice(null), []),
    upload,
    remove,
    reload: useCallback(() => setAttempt((n) => n + 1), []),
  };
}
