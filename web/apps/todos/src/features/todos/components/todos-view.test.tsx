import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Client } from 'urql';
import { Provider } from 'urql';
import { describe, expect, it, vi } from 'vitest';
import { fromValue, makeSubject, never, pipe, subscribe } from 'wonka';
import { LiveConnectionContext, type OnReconnected } from '../../../lib/live-connection.ts';
import type { Todo, TodoChange } from '../utils/merge-todos.ts';
import { TodosView } from './todos-view.tsx';

const ada = { id: 'u1', name: 'Ada Lovelace' };
const milk: Todo = { id: 't1', title: 'Buy milk', completed: false, createdAt: '2026-11-29T06:00:00Z', owner: ada };
const bread: Todo = { id: 't2', title: 'Bake bread', completed: false, createdAt: '2026-11-29T06:05:00Z', owner: ada };

type AnyOp = { kind: string; query: { definitions: Array<{ name?: { value: string } }> }; variables: Record<string, unknown> };
const opName = (op: AnyOp) => op.query.definitions[0]?.name?.value;

/** A urql client whose query answers `todos`, whose subscription the test drives by hand. */
function fakeClient(todos: Todo[] | (() => Todo[]), mutations: Record<string, (vars: Record<string, unknown>) => unknown> = {}) {
  const live = makeSubject<{ data: { todoChanged: TodoChange } }>();
  const client = {
    executeQuery: vi.fn((op: AnyOp) =>
      fromValue({ operation: op, data: { todos: typeof todos === 'function' ? todos() : todos }, stale: false, hasNext: false }),
    ),
    executeMutation: vi.fn((op: AnyOp) => {
      const answer = mutations[opName(op) ?? ''];
      return answer ? fromValue({ operation: op, data: answer(op.variables), stale: false, hasNext: false }) : never;
    }),
  };
  // client.subscription(...).subscribe(...), as useTodos calls it
  const subscription = () => ({
    subscribe: (onResult: (r: { data: { todoChanged: TodoChange } }) => void) => pipe(live.source, subscribe(onResult)),
  });
  return { client: { ...client, subscription } as unknown as Client, push: (change: TodoChange) => live.next({ data: { todoChanged: change } }) };
}

function renderView(fake: ReturnType<typeof fakeClient>, onReconnected?: OnReconnected) {
  return render(
    <Provider value={fake.client}>
      <LiveConnectionContext.Provider value={onReconnected ?? (() => () => {})}>
        <TodosView />
      </LiveConnectionContext.Provider>
    </Provider>,
  );
}

describe('TodosView', () => {
  it('lists the todos with their owner name', async () => {
    renderView(fakeClient([milk, bread]));
    const list = await screen.findByRole('list', { name: 'Todos' });
    const items = within(list).getAllByRole('listitem');
    expect(items.map((li) => li.textContent)).toEqual([
      expect.stringContaining('Buy milk'),
      expect.stringContaining('Bake bread'),
    ]);
    expect(within(items[0]!).getByText('by Ada Lovelace')).toBeInTheDocument();
    expect(screen.getByText('2 items left')).toBeInTheDocument();
  });

  it('merges live changes: a new todo appears once, updates replace, deletes remove', async () => {
    const fake = fakeClient([milk]);
    renderView(fake);
    await screen.findByText('Buy milk');

    fake.push({ kind: 'CREATED', todoId: bread.id, todo: bread });
    fake.push({ kind: 'CREATED', todoId: bread.id, todo: bread });
    expect(await screen.findByText('Bake bread')).toBeInTheDocument();
    expect(screen.getAllByTestId('todo-item')).toHaveLength(2);

    fake.push({ kind: 'UPDATED', todoId: milk.id, todo: { ...milk, completed: true } });
    await waitFor(() => expect(screen.getByRole('checkbox', { name: /Buy milk/ })).toBeChecked());
    expect(screen.getByText('1 item left')).toBeInTheDocument();

    fake.push({ kind: 'DELETED', todoId: milk.id, todo: null });
    await waitFor(() => expect(screen.queryByText('Buy milk')).not.toBeInTheDocument());
    expect(screen.getAllByTestId('todo-item')).toHaveLength(1);
  });

  it('adds a todo from the form and does not duplicate it when the subscription echoes it', async () => {
    const user = userEvent.setup();
    const fake = fakeClient([], {
      AddTodo: (vars) => ({ addTodo: { ...bread, title: (vars.input as { title: string }).title } }),
    });
    renderView(fake);
    await screen.findByText('Nothing to do yet.');

    await user.type(screen.getByLabelText('New todo'), '  Bake bread  ');
    await user.click(screen.getByRole('button', { name: 'Add' }));
    expect(await screen.findByText('Bake bread')).toBeInTheDocument();
    expect(screen.getByLabelText('New todo')).toHaveValue('');

    fake.push({ kind: 'CREATED', todoId: bread.id, todo: bread });
    await waitFor(() => expect(screen.getAllByTestId('todo-item')).toHaveLength(1));
  });

  it('refuses an empty todo', async () => {
    const user = userEvent.setup();
    const fake = fakeClient([]);
    renderView(fake);
    await user.click(await screen.findByRole('button', { name: 'Add' }));
    expect(screen.getByText('Write something to do.')).toBeInTheDocument();
    expect(fake.client.executeMutation).not.toHaveBeenCalled();
  });

  it('loads the list again when the live connection comes back', async () => {
    let server = [milk];
    const fake = fakeClient(() => server);
    let reconnected: () => void = () => {};
    renderView(fake, (listener) => {
      reconnected = listener;
      return () => {};
    });
    await screen.findByText('Buy milk');

    server = [milk, bread]; // bread was added while the socket was down
    act(() => reconnected());
    expect(await screen.findByText('Bake bread')).toBeInTheDocument();
    expect(fake.client.executeQuery).toHaveBeenCalledTimes(2);
  });
});
