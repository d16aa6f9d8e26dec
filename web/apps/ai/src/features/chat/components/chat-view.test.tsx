import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { chunk, lastChunk, makeConversation, makeMessage, OFFLINE_MODEL } from '../../../testing/ai-fixtures.ts';
import { renderAi } from '../../../testing/render-ai.tsx';
import type { TestServer } from '../../../testing/test-server.ts';

// The chat as the user sees it, against a scripted server: sending, the answer streaming in
// (by byte offset, resumed after drops), how answers end, Stop, Regenerate, Edit, limits.

const answerText = () => within(screen.getAllByRole('listitem', { name: 'Answer' }).at(-1)!);

const push = (server: TestServer, payload: Parameters<TestServer['streams'][number]['push']>[0]) =>
  act(() => server.lastStream().push(payload));

/** A conversation whose last answer is still being written, with `stored` of it stored. */
function streamingConversation(stored: string) {
  const conversation = makeConversation(1, { title: 'Greetings', messageCount: 2 });
  const question = makeMessage(conversation.id, 1, { content: 'Say hello' });
  const answer = makeMessage(conversation.id, 2, { content: stored, state: 'STREAMING', tokensIn: 0, tokensOut: 0, completedAt: null });
  return { conversation, question, answer, db: { conversations: [conversation], messages: { [conversation.id]: [question, answer] } } };
}

describe('a new chat', () => {
  it('labels the offline model, sends with Enter, opens the conversation and streams the answer in', async () => {
    // Three messages: the server's system message too, which is never shown.
    const created = makeConversation(7, { title: 'What is fedstack?', messageCount: 3 });
    const userMessage = makeMessage(created.id, 1, { content: 'What is fedstack?' });
    const answer = makeMessage(created.id, 2, { content: '', state: 'STREAMING', tokensIn: 0, tokensOut: 0 });
    const { server, router, db } = renderAi('/ai', undefined, {
      SendMessage: () => ({ data: { sendMessage: { conversation: created, userMessage, message: answer } } }),
    });
    const user = userEvent.setup();

    // The offline model is the default, and says so.
    const picker = await screen.findByRole('combobox', { name: 'Model' });
    await waitFor(() => expect(picker).toHaveValue(OFFLINE_MODEL));
    expect(within(picker).getByRole('option', { name: 'Offline built-in model (no network)' })).toBeInTheDocument();
    expect(within(picker).queryByRole('option', { name: /Retired/ })).not.toBeInTheDocument();
    expect(screen.getAllByText('offline').length).toBeGreaterThan(0);
    expect(screen.getByText(/chatting with the built-in offline model/)).toBeInTheDocument();
    expect(await screen.findByText('No conversations yet.')).toBeInTheDocument();
    const limitReads = server.callsOf('AiLimits').length;

    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'What is fedstack?{Enter}');
    expect(server.callsOf('SendMessage').map((c) => c.variables)).toEqual([
      { input: { content: 'What is fedstack?', model: OFFLINE_MODEL } },
    ]);
    await waitFor(() => expect(router.state.location.pathname).toBe(`/ai/${created.id}`));
    expect(screen.getByRole('heading', { name: 'What is fedstack?', level: 2 })).toBeInTheDocument();
    expect(within(screen.getByRole('list', { name: 'Your conversations' })).getByText('What is fedstack?')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Message' })).toHaveValue('');
    // Opening the new conversation's address did not read it again: it is on screen already.
    expect(server.callsOf('Conversation')).toHaveLength(0);

    // The answer streams in word by word; Stop replaces Send meanwhile.
    await waitFor(() => expect(server.activeStreams()).toHaveLength(1));
    expect(server.lastStream().variables).toEqual({ messageId: answer.id, offset: 0 });
    expect(screen.getByRole('button', { name: 'Stop' })).toBeInTheDocument();
    expect(answerText().getByText('Writing…')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Regenerate' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Load earlier messages' })).not.toBeInTheDocument();
    push(server, chunk(answer.id, 0, 'Fedstack'));
    push(server, chunk(answer.id, 8, ' is a'));
    expect(await answerText().findByText('Fedstack is a')).toBeInTheDocument();
    push(server, chunk(answer.id, 13, ' **federated** stack.'));
    await waitFor(() => expect(answerText().getByText('federated').tagName).toBe('STRONG'));

    // The last chunk carries the stored answer: tokens and cost show, the stream ends.
    const finished = { ...answer, content: 'Fedstack is a **federated** stack.', state: 'COMPLETE' as const, tokensIn: 12, tokensOut: 30, cost: '0.000150' };
    db.conversations = [{ ...created, tokensIn: 12, tokensOut: 30 }];
    push(server, lastChunk(finished, 34));
    expect(await answerText().findByText('12 tokens in · 30 tokens out')).toBeInTheDocument();
    expect(answerText().getByText('Cost $0.00015')).toBeInTheDocument();
    expect(answerText().queryByText('Writing…')).not.toBeInTheDocument();
    expect(server.activeStreams()).toHaveLength(0);
    expect(await screen.findByRole('button', { name: 'Send' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Regenerate' })).toBeEnabled();
    // Sending and finishing both re-read the limits.
    await waitFor(() => expect(server.callsOf('AiLimits').length).toBe(limitReads + 2));
  });

  it('says when the user is sending too fast, with the time to wait, and keeps the draft', async () => {
    const { server } = renderAi('/ai', undefined, {
      SendMessage: () => ({
        errors: [
          {
            message: 'you can send 10 messages a minute; try again in 42 s',
            extensions: { code: 'RATE_LIMITED', retryAfter: 42 },
          },
        ],
      }),
    });
    const user = userEvent.setup();
    await waitFor(() => expect(screen.getByRole('combobox', { name: 'Model' })).toHaveValue(OFFLINE_MODEL));
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'Hi{Enter}');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('You can send 10 messages a minute; try again in 42 s.');
    expect(alert).toHaveTextContent(/You can send again in 4[12] seconds\./);
    expect(screen.getByRole('textbox', { name: 'Message' })).toHaveValue('Hi');
    expect(server.activeStreams()).toHaveLength(0);
  });

  it('explains a server it cannot reach in plain words', async () => {
    renderAi('/ai', undefined, { SendMessage: () => ({ networkError: new Error('Failed to fetch') }) });
    const user = userEvent.setup();
    await waitFor(() => expect(screen.getByRole('combobox', { name: 'Model' })).toHaveValue(OFFLINE_MODEL));
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'Hi{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not reach the server. Check your connection and try again.');
  });
});

describe('following an answer', () => {
  it('resumes after the stored part, and after a dropped socket from the byte offset reached, losing and repeating nothing', async () => {
    const { conversation, answer, db } = streamingConversation('Grüß');
    const { server, reconnect } = renderAi(`/ai/${conversation.id}`, db);
    await screen.findAllByRole('listitem', { name: 'Answer' });
    expect(answerText().getByText('Grüß')).toBeInTheDocument();
    await waitFor(() => expect(server.activeStreams()).toHaveLength(1));
    // "Grüß" is 6 bytes of UTF-8.
    expect(server.lastStream().variables).toEqual({ messageId: answer.id, offset: 6 });

    push(server, chunk(answer.id, 6, ' dich 👋'));
    expect(await answerText().findByText('Grüß dich 👋')).toBeInTheDocument();

    // The socket drops and comes back: one new subscription, from byte 16.
    const first = server.lastStream();
    reconnect();
    await waitFor(() => expect(server.callsOf('MessageStream')).toHaveLength(2));
    expect(first.active).toBe(false);
    expect(server.lastStream().variables).toEqual({ messageId: answer.id, offset: 16 });
    // A server that replays from earlier anyway: only the new part is added.
    push(server, chunk(answer.id, 6, ' dich 👋, Welt'));
    push(server, chunk(answer.id, 16, ', Welt'));
    expect(await answerText().findByText('Grüß dich 👋, Welt')).toBeInTheDocument();

    // The server lost the stream (completes without the last chunk): it resumes from byte 22.
    act(() => server.lastStream().complete());
    await waitFor(() => expect(server.callsOf('MessageStream')).toHaveLength(3));
    expect(server.lastStream().variables).toEqual({ messageId: answer.id, offset: 22 });
    push(server, chunk(answer.id, 22, '!'));
    push(server, lastChunk({ ...answer, content: 'Grüß dich 👋, Welt!', state: 'COMPLETE', tokensIn: 5, tokensOut: 6 }, 23));
    expect(await answerText().findByText('5 tokens in · 6 tokens out')).toBeInTheDocument();
    expect(answerText().getByText('Grüß dich 👋, Welt!')).toBeInTheDocument();
    expect(server.activeStreams()).toHaveLength(0);
  });

  it('subscribes again, after a pause, when the subscription fails', async () => {
    const { conversation, answer, db } = streamingConversation('Hi');
    const { server } = renderAi(`/ai/${conversation.id}`, db);
    await waitFor(() => expect(server.activeStreams()).toHaveLength(1));
    await screen.findAllByRole('listitem', { name: 'Answer' });
    push(server, chunk(answer.id, 2, ' there'));
    await answerText().findByText('Hi there');
    act(() => server.lastStream().fail([{ message: 'the answer is being generated but its stream is unavailable; try again' }]));
    expect(await screen.findByText(/picking the answer up where it stopped/)).toBeInTheDocument();
    await waitFor(() => expect(server.callsOf('MessageStream')).toHaveLength(2), { timeout: 4000 });
    expect(server.lastStream().variables).toEqual({ messageId: answer.id, offset: 8 });
    push(server, chunk(answer.id, 8, '!'));
    await answerText().findByText('Hi there!');
    expect(screen.queryByText(/picking the answer up where it stopped/)).not.toBeInTheDocument();
  });

  it('shows how an answer ended: stopped, failed with its reason, cached, with the documents it cites', async () => {
    const conversation = makeConversation(2, { title: 'Docs', messageCount: 6 });
    const id = conversation.id;
    const messages = [
      makeMessage(id, 1, { content: 'first' }),
      makeMessage(id, 2, { content: 'cut short', state: 'STOPPED', tokensIn: 3, tokensOut: 2 }),
      makeMessage(id, 3, { content: 'second' }),
      makeMessage(id, 4, { content: '', state: 'FAILED', error: 'the model provider did not answer in time', tokensIn: 0, tokensOut: 0 }),
      makeMessage(id, 5, { content: 'third' }),
      makeMessage(id, 6, {
        content: 'From your notes [1].',
        cached: true,
        tokensIn: 0,
        tokensOut: 0,
        citations: [{ documentId: 'd1', documentName: 'handbook.md', chunk: 2 }],
      }),
    ];
    renderAi(`/ai/${id}`, { conversations: [conversation], messages: { [id]: messages } });
    const answers = await screen.findAllByRole('listitem', { name: 'Answer' });
    expect(answers).toHaveLength(3);
    expect(within(answers[0]!).getByText('Stopped')).toBeInTheDocument();
    expect(within(answers[0]!).getByText('cut short')).toBeInTheDocument();
    expect(within(answers[1]!).getByRole('alert')).toHaveTextContent('The answer failed: The model provider did not answer in time.');
    expect(within(answers[2]!).getByText('cached')).toBeInTheDocument();
    expect(within(answers[2]!).getByText('No tokens spent')).toBeInTheDocument();
    expect(within(answers[0]!).getByText('3 tokens in · 2 tokens out')).toBeInTheDocument();
    expect(within(within(answers[2]!).getByRole('list', { name: 'Sources' })).getByText('[1] handbook.md, part 3')).toBeInTheDocument();
    // Only the last answer can be regenerated, only the last question edited.
    expect(screen.getAllByRole('button', { name: 'Regenerate' })).toHaveLength(1);
    expect(screen.getAllByRole('button', { name: 'Edit' })).toHaveLength(1);
    expect(screen.queryByRole('listitem', { name: /system/i })).not.toBeInTheDocument();
  });
});

describe('actions on the answer', () => {
  it('stops the answer being written', async () => {
    const { conversation, answer, db } = streamingConversation('Once upon');
    const { server } = renderAi(`/ai/${conversation.id}`, db, {
      StopGeneration: (v) => ({ data: { stopGeneration: { ...answer, id: v.messageId as string, content: 'Once upon a', state: 'STOPPED', tokensIn: 4, tokensOut: 3 } } }),
    });
    const user = userEvent.setup();
    await waitFor(() => expect(server.activeStreams()).toHaveLength(1));
    await user.click(screen.getByRole('button', { name: 'Stop' }));
    expect(server.callsOf('StopGeneration').map((c) => c.variables)).toEqual([{ messageId: answer.id }]);
    expect(await answerText().findByText('Stopped')).toBeInTheDocument();
    expect(answerText().getByText('Once upon a')).toBeInTheDocument();
    expect(server.activeStreams()).toHaveLength(0);
    expect(screen.getByRole('button', { name: 'Send' })).toBeInTheDocument();
  });

  it('regenerates the last answer, replacing it', async () => {
    const conversation = makeConversation(3, { title: 'Again', messageCount: 2 });
    const question = makeMessage(conversation.id, 1, { content: 'Tell me a joke' });
    const old = makeMessage(conversation.id, 2, { content: 'Not funny.' });
    const fresh = makeMessage(conversation.id, 3, { role: 'ASSISTANT', content: '', state: 'STREAMING', tokensIn: 0, tokensOut: 0 });
    const { server } = renderAi(`/ai/${conversation.id}`, { conversations: [conversation], messages: { [conversation.id]: [question, old] } }, {
      Regenerate: () => ({ data: { regenerate: { conversation, userMessage: question, message: fresh } } }),
    });
    const user = userEvent.setup();
    await screen.findByText('Not funny.');
    await user.click(screen.getByRole('button', { name: 'Regenerate' }));
    expect(server.callsOf('Regenerate').map((c) => c.variables)).toEqual([{ conversationId: conversation.id, model: OFFLINE_MODEL }]);
    await waitFor(() => expect(screen.queryByText('Not funny.')).not.toBeInTheDocument());
    expect(screen.getAllByRole('listitem', { name: 'Answer' })).toHaveLength(1);
    await waitFor(() => expect(server.activeStreams()).toHaveLength(1));
    expect(server.lastStream().variables).toEqual({ messageId: fresh.id, offset: 0 });
  });

  it('edits the last question and answers it again, with the model chosen', async () => {
    const conversation = makeConversation(4, { title: 'Edit me', messageCount: 2 });
    const question = makeMessage(conversation.id, 1, { content: 'Whats 2+2' });
    const old = makeMessage(conversation.id, 2, { content: 'Unclear.' });
    const fresh = makeMessage(conversation.id, 3, { role: 'ASSISTANT', content: '', state: 'STREAMING', model: 'gpt-4o-mini', tokensIn: 0, tokensOut: 0 });
    const { server } = renderAi(`/ai/${conversation.id}`, { conversations: [conversation], messages: { [conversation.id]: [question, old] } }, {
      EditLastMessage: (v) => ({
        data: { editLastMessage: { conversation: { ...conversation, model: 'gpt-4o-mini' }, userMessage: { ...question, content: v.content }, message: fresh } },
      }),
    });
    const user = userEvent.setup();
    await screen.findByText('Unclear.');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Model' }), 'gpt-4o-mini');
    await user.click(screen.getByRole('button', { name: 'Edit' }));
    const box = screen.getByRole('textbox', { name: 'Edit your message' });
    expect(box).toHaveValue('Whats 2+2');
    await user.clear(box);
    await user.type(box, 'What is 2 + 2?{Enter}');
    expect(server.callsOf('EditLastMessage').map((c) => c.variables)).toEqual([
      { conversationId: conversation.id, content: 'What is 2 + 2?', model: 'gpt-4o-mini' },
    ]);
    expect(await screen.findByText('What is 2 + 2?')).toBeInTheDocument();
    expect(screen.queryByText('Unclear.')).not.toBeInTheDocument();
    expect(screen.queryByRole('textbox', { name: 'Edit your message' })).not.toBeInTheDocument();
  });

  it('says a conversation that does not exist cannot be shown', async () => {
    renderAi('/ai/00000000-0000-4000-8000-00000000dead');
    expect(await screen.findByRole('alert')).toHaveTextContent('This conversation does not exist, or it was deleted.');
  });

  it('loads earlier messages on demand', async () => {
    const conversation = makeConversation(5, { title: 'Long', messageCount: 60 });
    const messages = Array.from({ length: 60 }, (_, i) => makeMessage(conversation.id, i + 1));
    const { server } = renderAi(`/ai/${conversation.id}`, { conversations: [conversation], messages: { [conversation.id]: messages } });
    await screen.findByText('answer 60');
    expect(screen.queryByText('question 1')).not.toBeInTheDocument();
    await userEvent.setup().click(screen.getByRole('button', { name: 'Load earlier messages' }));
    expect(await screen.findByText('question 1')).toBeInTheDocument();
    expect(server.callsOf('Conversation').at(-1)!.variables).toEqual({ id: conversation.id, last: 50, before: 11 });
    expect(screen.getAllByTestId('message')).toHaveLength(60);
    expect(screen.queryByRole('button', { name: 'Load earlier messages' })).not.toBeInTheDocument();
  });
});
