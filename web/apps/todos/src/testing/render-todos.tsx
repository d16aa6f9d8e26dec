import { render } from '@testing-library/react';
import { Provider } from 'urql';
import { TodosView, type TodosViewProps } from '../features/todos/components/todos-view.tsx';
import { LiveConnectionContext } from '../lib/live-connection.ts';
import { countsOf, page } from './todo-fixtures.ts';
import { createTestServer, type Handler, type TestServer } from './test-server.ts';
import type { Todo } from '../features/todos/utils/todo-list-state.ts';

/**
 * A scripted server holding `todos` (the list and counts answer from it; tests may change
 * it or replace any handler), and the view rendered against it. `reconnect()` plays the
 * websocket coming back after a drop.
 */
export function renderTodos(todos: Todo[] = [], handlers: Record<string, Handler> = {}, props: TodosViewProps = {}) {
  const db = { todos };
  const server: TestServer = createTestServer({
    Todos: (v) => {
      const f = v.filter as string;
      const all = db.todos.filter((t) => f === 'ALL' || (f === 'ACTIVE' ? !t.completed : t.completed));
      const size = (v.first as number) ?? 50;
      const start = v.after ? all.findIndex((t) => t.id === v.after) + 1 : 0;
      const nodes = all.slice(start, start + size);
      const more = start + size < all.length;
      return page(nodes, nodes.at(-1)?.id ?? null, more);
    },
    TodoCounts: () => countsOf(db.todos),
    ...handlers,
  });
  const listeners = new Set<() => void>();
  const onReconnected = (listener: () => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  const view = render(
    <Provider value={server.client}>
      <LiveConnectionContext.Provider value={onReconnected}>
        <TodosView {...props} />
      </LiveConnectionContext.Provider>
    </Provider>,
  );
  return {
    ...view,
    server,
    db,
    reconnect: () => listeners.forEach((l) => l()),
  };
}
