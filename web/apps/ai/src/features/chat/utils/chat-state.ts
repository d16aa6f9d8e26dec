import type { ChatConversationFieldsFragment, MessageFieldsFragment } from '../../../lib/gql/graphql.ts';

export type ChatMessage = MessageFieldsFragment;
export type ChatConversation = ChatConversationFieldsFragment;

/** What a sendMessage, regenerate or editLastMessage answers. */
export interface ChatExchange {
  conversation: ChatConversation;
  userMessage: ChatMessage;
  message: ChatMessage;
}

/** The conversation on screen. */
export interface ChatState {
  /** The conversation shown; null for a new chat (nothing sent yet). */
  conversationId: string | null;
  conversation: ChatConversation | null;
  /** In seq order. */
  messages: ChatMessage[];
  status: 'new' | 'loading' | 'ready' | 'failed';
  /** Why the conversation could not be loaded. */
  loadError: string | null;
  loadingEarlier: boolean;
  /** Loading earlier messages found none: the first message is shown. */
  reachedStart: boolean;
}

export type ChatAction =
  | { type: 'new-chat' }
  | { type: 'loading'; conversationId: string }
  /** `reachedStart`: the conversation has no messages before these. */
  | { type: 'loaded'; conversation: ChatConversation; messages: ChatMessage[]; reachedStart: boolean }
  | { type: 'load-failed'; conversationId: string; error: string }
  | { type: 'loading-earlier'; loading: boolean }
  | { type: 'earlier'; conversationId: string; messages: ChatMessage[]; reachedStart: boolean }
  | { type: 'exchange'; exchange: ChatExchange }
  | { type: 'conversation'; conversation: ChatConversation }
  | { type: 'streamed'; messageId: string; text: string }
  | { type: 'message'; message: Partial<ChatMessage> & { id: string } };

export const initialChatState: ChatState = {
  conversationId: null,
  conversation: null,
  messages: [],
  status: 'new',
  loadError: null,
  loadingEarlier: false,
  reachedStart: false,
};

const bySeq = (a: ChatMessage, b: ChatMessage) => a.seq - b.seq;

const patchMessage = (messages: ChatMessage[], id: string, patch: Partial<ChatMessage>) => {
  const i = messages.findIndex((m) => m.id === id);
  if (i < 0) return messages;
  const next = messages.slice();
  next[i] = { ...messages[i]!, ...patch };
  return next;
};

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'new-chat':
      return initialChatState;
    case 'loading':
      return { ...initialChatState, conversationId: action.conversationId, status: 'loading' };
    case 'loaded':
      if (action.conversation.id !== state.conversationId) return state;
      return {
        ...state,
        conversation: action.conversation,
        messages: action.messages.slice().sort(bySeq),
        status: 'ready',
        loadError: null,
        reachedStart: action.reachedStart,
      };
    case 'load-failed':
      if (action.conversationId !== state.conversationId) return state;
      return { ...state, status: 'failed', loadError: action.error };
    case 'loading-earlier':
      return { ...state, loadingEarlier: action.loading };
    case 'earlier': {
      if (action.conversationId !== state.conversationId) return state;
      const known = new Set(state.messages.map((m) => m.id));
      const older = action.messages.filter((m) => !known.has(m.id));
      return {
        ...state,
        loadingEarlier: false,
        reachedStart: action.reachedStart || older.length === 0,
        messages: [...older, ...state.messages].sort(bySeq),
      };
    }
    case 'exchange': {
      // The user's message keeps its place; every answer after it is replaced by the new one
      // (a regenerate or an edit), and a first message opens the new conversation.
      const { conversation, userMessage, message } = action.exchange;
      const same = state.conversationId === conversation.id;
      const kept = same ? state.messages.filter((m) => m.seq < userMessage.seq && m.id !== userMessage.id) : [];
      return {
        ...state,
        conversationId: conversation.id,
        conversation,
        messages: [...kept, userMessage, message].sort(bySeq),
        status: 'ready',
        loadError: null,
        // A conversation this page just started has nothing earlier to show.
        reachedStart: same ? state.reachedStart : true,
      };
    }
    case 'conversation':
      if (action.conversation.id !== state.conversationId) return state;
      return { ...state, conversation: action.conversation };
    case 'streamed':
      return { ...state, messages: patchMessage(state.messages, action.messageId, { content: action.text }) };
    case 'message':
      return { ...state, messages: patchMessage(state.messages, action.message.id, action.message) };
  }
}

/** The answer being generated, if any (a conversation has at most one). */
export const streamingAnswer = (messages: readonly ChatMessage[]) =>
  messages.find((m) => m.role === 'ASSISTANT' && m.state === 'STREAMING') ?? null;

/** The last message of the user, and the last answer, which may be edited and regenerated. */
export function lastTurn(messages: readonly ChatMessage[]) {
  let user: ChatMessage | null = null;
  let answer: ChatMessage | null = null;
  for (const m of messages) {
    if (m.role === 'USER') {
      user = m;
      answer = null;
    } else if (m.role === 'ASSISTANT') answer = m;
  }
  return { user, answer };
}
