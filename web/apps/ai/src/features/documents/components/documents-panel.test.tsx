import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { makeDocument } from '../../../testing/ai-fixtures.ts';
import { renderAi } from '../../../testing/render-ai.tsx';

// The Documents panel: list, upload of a .txt or .md file read in the browser, delete.

const documentsList = () => screen.getByRole('list', { name: 'Your documents' });

describe('the documents panel', () => {
  it('reads a Markdown file in the browser and uploads its text', async () => {
    const old = makeDocument(1, { name: 'old.txt', contentType: 'text/plain', size: 100, chunkCount: 1 });
    const { server } = renderAi('/ai', undefined, {
      AiDocuments: () => ({ data: { aiDocuments: [old] } }),
      UploadDocument: (v) => ({
        data: { uploadDocument: makeDocument(2, { name: v.name as string, contentType: v.contentType as string, size: 27, chunkCount: 1 }) },
      }),
    });
    const user = userEvent.setup();
    await within(await screen.findByRole('list', { name: 'Your documents' })).findByText('old.txt');
    const file = new File(['# Handbook\n\nVacation: 25 days'], 'handbook.md', { type: '' });
    await user.upload(screen.getByLabelText('Upload a document (.txt, .md)'), file);
    expect(await within(documentsList()).findByText('handbook.md')).toBeInTheDocument();
    expect(server.callsOf('UploadDocument').map((c) => c.variables)).toEqual([
      { name: 'handbook.md', content: '# Handbook\n\nVacation: 25 days', contentType: 'text/markdown' },
    ]);
    // Newest first.
    expect(within(documentsList()).getAllByTestId('document').map((li) => li.querySelector('.fs-ai-document-name')?.textContent)).toEqual([
      'handbook.md',
      'old.txt',
    ]);
    expect(within(documentsList()).getByText('100 B · 1 part')).toBeInTheDocument();
  });

  it('refuses files that are not text or Markdown without sending them', async () => {
    const { server } = renderAi('/ai');
    await screen.findByText('No documents yet.');
    const input = screen.getByLabelText('Upload a document (.txt, .md)');
    await userEvent.setup({ applyAccept: false }).upload(input, new File(['%PDF-1.7'], 'report.pdf', { type: 'application/pdf' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('"report.pdf" is not a .txt or .md file.');
    expect(server.callsOf('UploadDocument')).toHaveLength(0);
  });

  it('refuses a file that is not UTF-8 text', async () => {
    const { server } = renderAi('/ai');
    await screen.findByText('No documents yet.');
    await userEvent.setup().upload(
      screen.getByLabelText('Upload a document (.txt, .md)'),
      new File([new Uint8Array([0x48, 0x69, 0xff, 0xfe])], 'latin1.txt', { type: 'text/plain' }),
    );
    expect(await screen.findByRole('alert')).toHaveTextContent('"latin1.txt" is not UTF-8 text.');
    expect(server.callsOf('UploadDocument')).toHaveLength(0);
  });

  it('shows why the server refused an upload', async () => {
    renderAi('/ai', undefined, {
      UploadDocument: () => ({ errors: [{ message: 'the document has no text to index', extensions: { code: 'INVALID' } }] }),
    });
    await screen.findByText('No documents yet.');
    await userEvent.setup().upload(screen.getByLabelText('Upload a document (.txt, .md)'), new File(['   '], 'blank.txt'));
    expect(await screen.findByRole('alert')).toHaveTextContent('"blank.txt" was not added: The document has no text to index.');
  });

  it('deletes a document after asking', async () => {
    const doc = makeDocument(1, { name: 'notes.md' });
    const { server } = renderAi('/ai', undefined, {
      AiDocuments: () => ({ data: { aiDocuments: [doc] } }),
      DeleteAiDocument: (v) => ({ data: { deleteAiDocument: v.id } }),
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Delete notes.md' }));
    await user.click(within(screen.getByRole('group', { name: 'Delete notes.md?' })).getByRole('button', { name: 'Delete' }));
    expect(server.callsOf('DeleteAiDocument').map((c) => c.variables)).toEqual([{ id: doc.id }]);
    expect(await screen.findByText('No documents yet.')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByText('notes.md')).not.toBeInTheDocument());
  });
});
