import { render } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { Provider } from 'urql';
import { AiRoutes } from '../app/ai-routes.tsx';
import type { ChatConversationFieldsFragment, MessageFieldsFragment } from '../lib/gql/graphql.ts';
import { LiveConnectionContext } from '../lib/live-connection.ts';
import { limits, models } from './ai-fixtures.ts';
import { createTestServer, type Handler } from './test-server.ts';

export interface AiDb {
  conversations: ChatConversationFieldsFragment[];
  messages: Record<string, MessageFieldsFragment[]>;
}

/**
 * The app at `path` (under /ai, in a memory router) against a scripted server holding `db`:
 * conversations (listed newest first, paged by id), their messages, models (the offline
 * one is the default), limits and no documents; tests may replace any handler.
 * `reconnect()` plays the websocket coming back after a drop.
 */
export function renderAi(path = '/ai', db: AiDb = { conversations: [], messages: {} }, handlers: Record<string, Handler> = {}) {
  const server = createTestServer({
    AiModels: () => ({ data: { aiModels: models, defaultAiModel: 'fedstack-offline' } }),
    AiLimits: () => limits(),
    AiDocuments: () => ({ data: { aiDocuments: [] } }),
    Conversations: (v) => {
      const all = db.conversations.slice().sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
      const first = (v.first as number) ?? 20;
      const start = v.after ? all.findIndex((c) => c.id === v.after) + 1 : 0;
      const nodes = all.slice(start, start + first);
      return {
        data: {
          conversations: { nodes, pageInfo: { endCursor: nodes.at(-1)?.id ?? null, hasNextPage: start + first < all.length } },
        },
      };
    },
    Conversation: (v) => {
      const conversation = db.conversations.find((c) => c.id === v.id);
      if (!conversation) return { errors: [{ message: 'conversation not found', extensions: { code: 'NOT_FOUND' } }] };
      let messages = db.messages[conversation.id] ?? [];
      if (typeof v.before === 'number') messages = messages.filter((m) => m.seq < (v.before as number));
      if (typeof v.last === 'number') messages = messages.slice(-v.last);
      return { data: { conversation: { ...conversation, messages } } };
    },
    ConversationDetails: (v) => {
      const conversation = db.conversations.find((c) => c.id === v.id);
      if (!conversation) return { errors: [{ message: 'conversation not found', extensions: { code: 'NOT_FOUND' } }] };
      return { data: { conversation } };
    },
    ...handlers,
  });
  const listeners = new Set<() => void>();
  const onReconnected = (listener: () => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  const router = createMemoryRouter([{ path: '/ai/*', element: <AiRoutes basePath="/ai" limitsEveryMs={0} /> }], {
    initialEntries: [path],
  });
  const view = render(
    <Provider value={server.client}>
      <LiveConnectionContext.Provider value={onReconnected}>
        <RouterProvider router={router} />
      </LiveConnectionContext.Provider>
    </Provider>,
  );
  return {
    ...view,
    server,
    db,
    router,
    reconnect: () => listeners.forEach((l) => l()),
  };
}
