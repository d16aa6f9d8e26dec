import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { makeConversation, makeMessage } from '../../../testing/ai-fixtures.ts';
import { renderAi } from '../../../testing/render-ai.tsx';

// The conversation list beside the chat: newest first, paging, search, rename, delete.

const listed = () =>
  within(screen.getByRole('list', { name: 'Your conversations' }))
    .getAllByTestId('conversation')
    .map((li) => li.querySelector('.fs-ai-conversation-title')?.textContent);

describe('the conversation list', () => {
  it('lists conversations newest first, 20 at a time, and loads more', async () => {
    const conversations = Array.from({ length: 25 }, (_, i) => makeConversation(i + 1));
    const { server } = renderAi('/ai', { conversations, messages: {} });
    await screen.findByText('Conversation 25');
    expect(listed()).toHaveLength(20);
    expect(listed().slice(0, 3)).toEqual(['Conversation 25', 'Conversation 24', 'Conversation 23']);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(listed()).toHaveLength(25));
    expect(listed().at(-1)).toBe('Conversation 1');
    expect(server.callsOf('Conversations').map((c) => c.variables)).toEqual([
      { first: 20, after: null },
      { first: 20, after: conversations[5]!.id },
    ]);
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
  });

  it('opens a conversation from the list, marking it as the current one', async () => {
    const a = makeConversation(1, { title: 'Holiday plans', messageCount: 2 });
    const b = makeConversation(2, { title: 'Recipes', messageCount: 2 });
    const { router } = renderAi('/ai', {
      conversations: [a, b],
      messages: { [a.id]: [makeMessage(a.id, 1, { content: 'Where to go?' }), makeMessage(a.id, 2, { content: 'The coast.' })] },
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('link', { name: /Holiday plans/ }));
    expect(router.state.location.pathname).toBe(`/ai/${a.id}`);
    expect(await screen.findByText('The coast.')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Holiday plans/ })).toHaveAttribute('aria-current', 'page');
    expect(screen.getByRole('heading', { name: 'Holiday plans', level: 2 })).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'New chat' }));
    expect(router.state.location.pathname).toBe('/ai');
    expect(screen.getByRole('heading', { name: 'New chat', level: 2 })).toBeInTheDocument();
    expect(screen.queryByText('The coast.')).not.toBeInTheDocument();
  });

  it('searches titles and messages, showing where each matched', async () => {
    const a = makeConversation(1, { title: 'Holiday plans' });
    const { server } = renderAi('/ai', { conversations: [a], messages: {} }, {
      SearchConversations: (v) =>
        v.query === 'coast'
          ? { data: { searchConversations: [{ conversation: a, messageId: 'm1', snippet: 'drive along the «coast» in May', rank: 0.5 }] } }
          : { data: { searchConversations: [] } },
    });
    const user = userEvent.setup();
    await screen.findByText('Holiday plans');
    await user.type(screen.getByRole('searchbox', { name: 'Search conversations' }), 'coast');
    const results = await screen.findByRole('list', { name: 'Search results' });
    expect(within(results).getByText('coast').tagName).toBe('MARK');
    expect(within(results).getByText(/drive along the/)).toBeInTheDocument();
    // Typing pauses before searching: one search for the whole word.
    expect(server.callsOf('SearchConversations').map((c) => c.variables)).toEqual([{ query: 'coast', first: 20 }]);

    await user.clear(screen.getByRole('searchbox', { name: 'Search conversations' }));
    await user.type(screen.getByRole('searchbox', { name: 'Search conversations' }), 'zebra');
    expect(await screen.findByText('No conversation matches “zebra”.')).toBeInTheDocument();
    await user.clear(screen.getByRole('searchbox', { name: 'Search conversations' }));
    expect(await screen.findByRole('list', { name: 'Your conversations' })).toBeInTheDocument();
  });

  it('renames a conversation, also in the chat header', async () => {
    const a = makeConversation(1, { title: 'Untitled', messageCount: 0 });
    const { server } = renderAi(`/ai/${a.id}`, { conversations: [a], messages: {} }, {
      RenameConversation: (v) => ({ data: { renameConversation: { ...a, title: v.title as string } } }),
    });
    const user = userEvent.setup();
    await screen.findByRole('heading', { name: 'Untitled', level: 2 });
    await user.click(screen.getByRole('button', { name: 'Rename "Untitled"' }));
    const input = screen.getByRole('textbox', { name: 'New title' });
    await user.clear(input);
    await user.type(input, '  Trip to Lisbon {Enter}');
    expect(server.callsOf('RenameConversation').map((c) => c.variables)).toEqual([{ id: a.id, title: 'Trip to Lisbon' }]);
    expect(await screen.findByRole('link', { name: /Trip to Lisbon/ })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Trip to Lisbon', level: 2 })).toBeInTheDocument();
  });

  it('says why a rename was refused and keeps the form open', async () => {
    const a = makeConversation(1, { title: 'Old' });
    renderAi('/ai', { conversations: [a], messages: {} }, {
      RenameConversation: () => ({
        errors: [{ message: 'the title must be 1 to 200 characters', extensions: { code: 'INVALID', field: 'title' } }],
      }),
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Rename "Old"' }));
    await user.type(screen.getByRole('textbox', { name: 'New title' }), ' and new{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('The title must be 1 to 200 characters.');
    expect(screen.getByRole('textbox', { name: 'New title' })).toHaveValue('Old and new');
  });

  it('deletes a conversation after asking, and leaves it when it was open', async () => {
    const a = makeConversation(1, { title: 'Keep me' });
    const b = makeConversation(2, { title: 'Throw away', messageCount: 0 });
    const { server, router } = renderAi(`/ai/${b.id}`, { conversations: [a, b], messages: {} }, {
      DeleteConversation: (v) => ({ data: { deleteConversation: v.id } }),
    });
    const user = userEvent.setup();
    await screen.findByRole('heading', { name: 'Throw away', level: 2 });
    await user.click(screen.getByRole('button', { name: 'Delete "Throw away"' }));
    expect(server.callsOf('DeleteConversation')).toHaveLength(0);
    const question = screen.getByRole('group', { name: 'Delete "Throw away"?' });
    await user.click(within(question).getByRole('button', { name: 'Delete' }));
    expect(server.callsOf('DeleteConversation').map((c) => c.variables)).toEqual([{ id: b.id }]);
    await waitFor(() => expect(listed()).toEqual(['Keep me']));
    expect(router.state.location.pathname).toBe('/ai');
    expect(await screen.findByRole('heading', { name: 'New chat', level: 2 })).toBeInTheDocument();
  });

  it('shows why the list could not be loaded, and tries again', async () => {
    let fail = true;
    const a = makeConversation(1, { title: 'Back again' });
    renderAi('/ai', { conversations: [a], messages: {} }, {
      Conversations: () =>
        fail
          ? { networkError: new Error('Failed to fetch') }
          : { data: { conversations: { nodes: [a], pageInfo: { endCursor: a.id, hasNextPage: false } } } },
    });
    expect(await screen.findByText(/Could not load your conversations: Could not reach the server/)).toBeInTheDocument();
    fail = false;
    await userEvent.setup().click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Back again')).toBeInTheDocument();
  });
});
