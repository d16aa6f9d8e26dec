import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { useClient, type OperationResult } from 'urql';
import {
  ConversationDetailsDocument,
  ConversationDocument,
  EditLastMessageDocument,
  MessageDocument,
  RegenerateDocument,
  SendMessageDocument,
  StopGenerationDocument,
} from '../../../lib/gql/graphql.ts';
import { describeError, errorCode, retryAfterSeconds } from '../../../lib/errors.ts';
import { useOnReconnected } from '../../../lib/live-connection.ts';
import {
  chatReducer,
  initialChatState,
  streamingAnswer,
  type ChatConversation,
  type ChatExchange,
  type ChatMessage,
  type ChatState,
} from '../utils/chat-state.ts';
import { followAnswer } from '../utils/follow-answer.ts';

/** Something the user should know about their last action. */
export interface ChatNotice {
  message: string;
  /** For RATE_LIMITED: when sending is allowed again (ms since the epoch). */
  retryAt?: number;
}

export interface UseChatOptions {
  /** A conversation was created or changed (title, last activity, totals). */
  onConversation?(conversation: ChatConversation): void;
  /** The first message of a new chat created this conversation: show its address. */
  onOpened?(conversationId: string): void;
  /** Something that counts against the user's limits happened (a message sent, an answer ended). */
  onActivity?(): void;
  /** Messages loaded at a time (default 50). */
  pageSize?: number;
  /** First wait before following an answer again after a failure (ms). */
  retryDelayMs?: number;
}

export interface UseChat extends ChatState {
  /** The answer being generated, if any. */
  streaming: ChatMessage | null;
  /** Whether older messages than the loaded ones exist. */
  hasEarlier: boolean;
  /** A send, regenerate, edit or stop is on its way. */
  busy: boolean;
  notice: ChatNotice | null;
  dismissNotice(): void;
  /** The answer's live stream is reconnecting. */
  reconnecting: boolean;
  /** Sends a message (resolves false when it was refused; the notice says why). */
  send(content: string, model: string | null): Promise<boolean>;
  stop(): Promise<void>;
  regenerate(model: string | null): Promise<boolean>;
  editLast(content: string, model: string | null): Promise<boolean>;
  loadEarlier(): Promise<void>;
  reload(): void;
}

/**
 * One conversation (or a new chat when `conversationId` is null): its messages, the answer
 * being generated followed live (resumed by byte offset after a drop), and the actions on
 * it. Leaving a conversation stops following its answer; coming back resumes after the
 * stored part.
 */
export function useChat(conversationId: string | null, options: UseChatOptions = {}): UseChat {
  const { pageSize = 50, retryDelayMs = 1000 } = options;
  const client = useClient();
  const onReconnected = useOnReconnected();
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  const [notice, setNotice] = useState<ChatNotice | null>(null);
  const [busy, setBusy] = useState(false);
  const [reconnecting, setReconnecting] = useState(false);
  const stateRef = useRef(state);
  stateRef.current = state;
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const loads = useRef(0);

  const load = useCallback(
    (id: string) => {
      const gen = ++loads.current;
      dispatch({ type: 'loading', conversationId: id });
      void client
        .query(ConversationDocument, { id, last: pageSize }, { requestPolicy: 'network-only' })
        .toPromise()
        .then((result) => {
          if (gen !== loads.current) return;
          if (result.data) {
            const { messages, ...conversation } = result.data.conversation;
            dispatch({ type: 'loaded', conversation, messages, reachedStart: messages.length < pageSize });
          } else if (result.error) {
            const error =
              errorCode(result.error) === 'NOT_FOUND'
                ? 'This conversation does not exist, or it was deleted.'
                : describeError(result.error);
            dispatch({ type: 'load-failed', conversationId: id, error });
          }
        });
    },
    [client, pageSize],
  );

  useEffect(() => {
    if (conversationId === stateRef.current.conversationId) return; // shown already (e.g. just created)
    setNotice(null);
    if (conversationId === null) {
      loads.current++;
      dispatch({ type: 'new-chat' });
    } else load(conversationId);
  }, [conversationId, load]);

  const reload = useCallback(() => {
    const id = stateRef.current.conversationId;
    if (id) load(id);
  }, [load]);

  const refreshConversation = useCallback(
    async (id: string) => {
      const result = await client.query(ConversationDetailsDocument, { id }, { requestPolicy: 'network-only' }).toPromise();
      if (result.data) {
        dispatch({ type: 'conversation', conversation: result.data.conversation });
        optionsRef.current.onConversation?.(result.data.conversation);
      }
    },
    [client],
  );

  // The answer being generated, followed from what is already shown.
  const streaming = streamingAnswer(state.messages);
  const streamingId = streaming?.id ?? null;
  useEffect(() => {
    if (!streamingId) return;
    const conversation = stateRef.current.conversationId;
    const initialText = stateRef.current.messages.find((m) => m.id === streamingId)?.content ?? '';
    const stop = followAnswer(
      { client, messageId: streamingId, initialText, onReconnected, retryDelayMs },
      {
        onText: (text) => dispatch({ type: 'streamed', messageId: streamingId, text }),
        onEnd: (end) => {
          setReconnecting(false);
          dispatch({
            type: 'message',
            message: end.message ?? { id: streamingId, state: end.state, error: end.error, content: end.text },
          });
          if (!end.message) {
            // The last chunk came without the stored answer: read it for its tokens and cost.
            void client
              .query(MessageDocument, { id: streamingId }, { requestPolicy: 'network-only' })
              .toPromise()
              .then((r) => r.data && dispatch({ type: 'message', message: r.data.message }));
          }
          if (conversation) void refreshConversation(conversation);
          optionsRef.current.onActivity?.();
        },
        onTrouble: (error) => setReconnecting(error !== null),
        onLost: (message) => {
          setReconnecting(false);
          setNotice({ message: `The answer can no longer be followed: ${message}` });
          dispatch({ type: 'message', message: { id: streamingId, state: 'FAILED', error: message } });
        },
      },
    );
    return () => {
      stop();
      setReconnecting(false);
    };
  }, [client, streamingId, onReconnected, retryDelayMs, refreshConversation]);

  /** Runs a mutation that starts an answer, and shows its exchange or why it was refused. */
  const exchange = useCallback(
    async <T>(run: Promise<OperationResult<T>>, pick: (data: T) => ChatExchange): Promise<boolean> => {
      setBusy(true);
      setNotice(null);
      const result = await run;
      setBusy(false);
      if (result.data) {
        const ex = pick(result.data);
        const opened = stateRef.current.conversationId !== ex.conversation.id;
        dispatch({ type: 'exchange', exchange: ex });
        optionsRef.current.onConversation?.(ex.conversation);
        if (opened) optionsRef.current.onOpened?.(ex.conversation.id);
        optionsRef.current.onActivity?.();
        return true;
      }
      if (result.error) {
        const retry = retryAfterSeconds(result.error);
        setNotice({ message: describeError(result.error), ...(retry ? { retryAt: Date.now() + retry * 1000 } : {}) });
        if (errorCode(result.error) === 'RATE_LIMITED') optionsRef.current.onActivity?.();
      }
      return false;
    },
    [],
  );

  const send = useCallback(
    (content: string, model: string | null) => {
      const id = stateRef.current.conversationId;
      const input = { content, ...(id ? { conversationId: id } : {}), ...(model ? { model } : {}) };
      return exchange(client.mutation(SendMessageDocument, { input }).toPromise(), (d) => d.sendMessage);
    },
    [client, exchange],
  );

  const regenerate = useCallback(
    async (model: string | null) => {
      const id = stateRef.current.conversationId;
      if (!id) return false;
      return exchange(client.mutation(RegenerateDocument, { conversationId: id, model }).toPromise(), (d) => d.regenerate);
    },
    [client, exchange],
  );

  const editLast = useCallback(
    async (content: string, model: string | null) => {
      const id = stateRef.current.conversationId;
      if (!id) return false;
      return exchange(
        client.mutation(EditLastMessageDocument, { conversationId: id, content, model }).toPromise(),
        (d) => d.editLastMessage,
      );
    },
    [client, exchange],
  );

  const stop = useCallback(async () => {
    const answer = streamingAnswer(stateRef.current.messages);
    if (!answer) return;
    setBusy(true);
    const result = await client.mutation(StopGenerationDocument, { messageId: answer.id }).toPromise();
    setBusy(false);
    if (result.data) {
      dispatch({ type: 'message', message: result.data.stopGeneration });
      const id = stateRef.current.conversationId;
      if (id) void refreshConversation(id);
      optionsRef.current.onActivity?.();
    } else if (result.error && errorCode(result.error) !== 'CONFLICT') {
      // CONFLICT: it ended meanwhile, and its stream says how.
      setNotice({ message: `Could not stop the answer: ${describeError(result.error)}` });
    }
  }, [client, refreshConversation]);

  const loadEarlier = useCallback(async () => {
    const { conversationId: id, messages } = stateRef.current;
    const oldest = messages[0];
    if (!id || !oldest) return;
    dispatch({ type: 'loading-earlier', loading: true });
    const result = await client
      .query(ConversationDocument, { id, last: pageSize, before: oldest.seq }, { requestPolicy: 'network-only' })
      .toPromise();
    if (result.data) {
      const { messages: older } = result.data.conversation;
      dispatch({ type: 'earlier', conversationId: id, messages: older, reachedStart: older.length < pageSize });
    } else {
      dispatch({ type: 'loading-earlier', loading: false });
      if (result.error) setNotice({ message: `Could not load earlier messages: ${describeError(result.error)}` });
    }
  }, [client, pageSize]);

  const dismissNotice = useCallback(() => setNotice(null), []);
  const hasEarlier =
    state.conversation !== null && !state.reachedStart && state.conversation.messageCount > state.messages.length;

  return {
    ...state,
    streaming,
    hasEarlier,
    busy,
    notice,
    dismissNotice,
    reconnecting,
    send,
    stop,
    regenerate,
    editLast,
    loadEarlier,
    reload,
  };
}
