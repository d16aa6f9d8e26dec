import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Alert } from '@fedstack/ui/alert';
import { Button } from '@fedstack/ui/button';
import { Spinner } from '@fedstack/ui/spinner';
import { Badge } from '../../../components/badge.tsx';
import { formatCost, formatInteger } from '../../../lib/format.ts';
import { useAiModels } from '../hooks/use-ai-models.ts';
import { useChat, type UseChatOptions } from '../hooks/use-chat.ts';
import { lastTurn } from '../utils/chat-state.ts';
import { Composer } from './composer.tsx';
import { MessageItem } from './message-item.tsx';
import { ModelPicker } from './model-picker.tsx';
import { RetryCountdown } from './retry-countdown.tsx';

export interface ChatViewProps extends UseChatOptions {
  /** The conversation to show; null for a new chat. */
  conversationId: string | null;
  /** The conversation's title as the list knows it (e.g. just renamed there). */
  knownTitle?: string | undefined;
}

/**
 * The conversation: its messages with the answer being generated appearing as it is
 * written, and the composer with the model picker, Stop, Regenerate and Edit.
 */
export function ChatView({ conversationId, knownTitle, ...options }: ChatViewProps) {
  const chat = useChat(conversationId, options);
  const { models, defaultModel, error: modelsError } = useAiModels();
  const [chosenModel, setChosenModel] = useState<string | null>(null);
  const modelsById = useMemo(() => new Map((models ?? []).map((m) => [m.id, m])), [models]);

  // A conversation answers with its own model unless another is chosen for it.
  useEffect(() => setChosenModel(null), [chat.conversationId]);
  const model = chosenModel ?? chat.conversation?.model ?? defaultModel;

  const visible = useMemo(() => chat.messages.filter((m) => m.role !== 'SYSTEM'), [chat.messages]);
  const { user: lastUser, answer: lastAnswer } = lastTurn(visible);
  const streaming = chat.streaming !== null;
  const locked = streaming || chat.busy;

  // Keep the newest text in view while it is written, unless the user scrolled up to read.
  const scroller = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const lastText = visible.at(-1)?.content;
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [visible.length, lastText]);

  const title = chat.conversationId ? (knownTitle ?? chat.conversation?.title ?? 'Conversation') : 'New chat';

  return (
    <section className="fs-ai-chat" aria-labelledby="fs-ai-chat-title">
      <header className="fs-ai-chat-head">
        <h2 id="fs-ai-chat-title">{title}</h2>
        {chat.conversation && chat.conversation.tokensIn + chat.conversation.tokensOut > 0 ? (
          <span className="fs-ai-hint">
            {formatInteger(chat.conversation.tokensIn + chat.conversation.tokensOut)} tokens · {formatCost(chat.conversation.cost)}
          </span>
        ) : null}
      </header>

      <div
        className="fs-ai-scroll"
        ref={scroller}
        onScroll={(e) => {
          const el = e.currentTarget;
          pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
        }}
      >
        {chat.status === 'loading' ? <Spinner label="Loading the conversation…" /> : null}
        {chat.status === 'failed' ? (
          <Alert>
            {chat.loadError}{' '}
            <Button variant="secondary" onClick={chat.reload}>
              Try again
            </Button>
          </Alert>
        ) : null}
        {chat.status === 'new' ? (
          <div className="fs-ai-welcome">
            <p>Ask anything. Answers can cite the documents you upload.</p>
            {model && modelsById.get(model)?.offline ? (
              <p>
                <Badge tone="offline">offline</Badge> You are chatting with the built-in offline model: it needs no network, and its
                answers are canned and limited.
              </p>
            ) : null}
          </div>
        ) : null}
        {chat.hasEarlier ? (
          <Button variant="secondary" disabled={chat.loadingEarlier} onClick={() => void chat.loadEarlier()}>
            {chat.loadingEarlier ? 'Loading…' : 'Load earlier messages'}
          </Button>
        ) : null}
        {visible.length > 0 ? (
          <ol className="fs-ai-messages" aria-label="Messages">
            {visible.map((m) => (
              <MessageItem
                key={m.id}
                message={m}
                model={m.model ? (modelsById.get(m.model) ?? null) : null}
                locked={locked}
                onRegenerate={m === lastAnswer && m.state !== 'STREAMING' ? () => void chat.regenerate(model) : undefined}
                onEdit={m === lastUser ? (content) => chat.editLast(content, model) : undefined}
              />
            ))}
          </ol>
        ) : null}
      </div>

      {chat.reconnecting ? <Alert tone="info">The connection dropped; picking the answer up where it stopped…</Alert> : null}
      {modelsError ? <Alert>Could not load the models: {modelsError}</Alert> : null}
      {chat.notice ? (
        <Alert>
          {chat.notice.message} {chat.notice.retryAt ? <RetryCountdown retryAt={chat.notice.retryAt} /> : null}{' '}
          <Button variant="secondary" onClick={chat.dismissNotice} style={{ padding: '0 8px' }}>
            Dismiss
          </Button>
        </Alert>
      ) : null}

      <Composer
        onSend={(content) => chat.send(content, model)}
        onStop={() => void chat.stop()}
        streaming={streaming}
        busy={chat.busy || chat.status === 'loading'}
      >
        <ModelPicker models={models} value={model} onChange={setChosenModel} disabled={locked} />
      </Composer>
    </section>
  );
}
