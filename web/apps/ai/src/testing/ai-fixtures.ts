import type {
  AiModelsQuery,
  ChatConversationFieldsFragment,
  DocumentFieldsFragment,
  MessageFieldsFragment,
} from '../lib/gql/graphql.ts';

export const OFFLINE_MODEL = 'fedstack-offline';

export const models: AiModelsQuery['aiModels'] = [
  {
    id: OFFLINE_MODEL,
    provider: 'offline',
    displayName: 'Offline built-in model (no network)',
    enabled: true,
    offline: true,
    contextWindow: 8192,
    inputPrice: '0.000000',
    outputPrice: '0.000000',
  },
  {
    id: 'gpt-4o-mini',
    provider: 'openai',
    displayName: 'GPT-4o mini',
    enabled: true,
    offline: false,
    contextWindow: 128000,
    inputPrice: '0.150000',
    outputPrice: '0.600000',
  },
  {
    id: 'retired-model',
    provider: 'openai',
    displayName: 'Retired',
    enabled: false,
    offline: false,
    contextWindow: 4096,
    inputPrice: '1.000000',
    outputPrice: '1.000000',
  },
];

let serial = 0;
const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** A conversation as the server sends it; later `n` are more recently active. */
export function makeConversation(n: number, extra: Partial<ChatConversationFieldsFragment> = {}): ChatConversationFieldsFragment {
  const at = new Date(Date.UTC(2026, 10, 1, 0, n)).toISOString();
  return {
    id: uuid(n),
    title: `Conversation ${n}`,
    model: OFFLINE_MODEL,
    createdAt: at,
    updatedAt: at,
    messageCount: 0,
    tokensIn: 0,
    tokensOut: 0,
    cost: '0.000000',
    ...extra,
  };
}

/** A message of conversation `conversationId`. */
export function makeMessage(conversationId: string, seq: number, extra: Partial<MessageFieldsFragment> = {}): MessageFieldsFragment {
  serial++;
  const role = extra.role ?? (seq % 2 === 1 ? 'USER' : 'ASSISTANT');
  return {
    id: uuid(1000 + serial),
    conversationId,
    seq,
    role,
    content: role === 'USER' ? `question ${seq}` : `answer ${seq}`,
    state: 'COMPLETE',
    model: role === 'ASSISTANT' ? OFFLINE_MODEL : null,
    tokensIn: role === 'ASSISTANT' ? 10 : 0,
    tokensOut: role === 'ASSISTANT' ? 20 : 0,
    cost: '0.000000',
    error: null,
    cached: false,
    citations: [],
    createdAt: '2026-11-01T00:00:00Z',
    completedAt: role === 'ASSISTANT' ? '2026-11-01T00:00:01Z' : null,
    ...extra,
  };
}

export function makeDocument(n: number, extra: Partial<DocumentFieldsFragment> = {}): DocumentFieldsFragment {
  return {
    id: uuid(5000 + n),
    name: `notes-${n}.md`,
    contentType: 'text/markdown',
    size: 2048,
    chunkCount: 3,
    embeddingModel: null,
    createdAt: '2026-11-01T00:00:00Z',
    ...extra,
  };
}

/** A messageStream chunk. */
export const chunk = (messageId: string, offset: number, text: string) => ({
  data: { messageStream: { messageId, offset, text, done: false, state: 'STREAMING', error: null, message: null } },
});

/** The last messageStream chunk, with the stored answer. */
export const lastChunk = (message: MessageFieldsFragment, bytes: number) => ({
  data: {
    messageStream: {
      messageId: message.id,
      offset: bytes,
      text: '',
      done: true,
      state: message.state,
      error: message.error,
      message,
    },
  },
});

export const limits = (extra: Record<string, unknown> = {}) => ({
  data: {
    aiLimits: {
      role: 'USER',
      messagesPerMinute: 10,
      messagesLeft: 10,
      tokensPerDay: 100000,
      tokensToday: 0,
      tokensResetAt: '2026-11-30T00:00:00Z',
      ...extra,
    },
  },
});
