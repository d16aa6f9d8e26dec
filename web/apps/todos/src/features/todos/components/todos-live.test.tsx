import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { renderTodos } from '../../../testing/render-todos.tsx';
import { change, makeTodo } from '../../../testing/todo-fixtures.ts';
import type { TodoChange } from '../utils/todo-list-state.ts';

// The todoChanged subscription: merging, resuming from the last cursor, RESYNC.

const milk = makeTodo(1, { title: 'Buy milk' });
const bread = makeTodo(2, { title: 'Bake bread' });
const cheese = makeTodo(3, { title: 'Eat cheese' });

const titles = () =>
  within(screen.getByRole('list', { name: 'Todos' }))
    .getAllByTestId('todo-item')
    .map((li) => li.querySelector('.fs-todos-title')?.textContent);

const send = (server: ReturnType<typeof renderTodos>['server'], c: TodoChange) =>
  act(() => server.push({ data: { todoChanged: c } }));

describe('live changes', () => {
  it('subscribes from now on, and merges changes by id and version', async () => {
    const { server, db } = renderTodos([milk]);
    await screen.findByText('Buy milk');
    expect(server.callsOf('TodoChanged').map((c) => c.variables)).toEqual([{ since: null }]);

    db.todos = [milk, bread];
    send(server, change('CREATED', { todo: bread }));
    send(server, change('CREATED', { todo: bread })); // a replay: still once
    expect(await screen.findByText('Bake bread')).toBeInTheDocument();
    expect(screen.getAllByTestId('todo-item')).toHaveLength(2);

    send(server, change('UPDATED', { todo: { ...milk, completed: true, version: 3 } }));
    await waitFor(() => expect(screen.getByRole('checkbox', { name: /Buy milk/ })).toBeChecked());
    // older than what is shown: ignored
    send(server, change('UPDATED', { todo: { ...milk, title: 'stale', completed: false, version: 2 } }));
    expect(screen.getByRole('checkbox', { name: 'Mark "Buy milk" as not done' })).toBeChecked();
    expect(screen.queryByText('stale')).not.toBeInTheDocument();

    send(server, change('DELETED', { todoId: milk.id }));
    await waitFor(() => expect(screen.queryByText('Buy milk')).not.toBeInTheDocument());
    // a late update of a deleted todo does not bring it back
    send(server, change('UPDATED', { todo: { ...milk, version: 9 } }));
    expect(screen.queryByText('Buy milk')).not.toBeInTheDocument();
  });

  it('applies BULK changes (toggle all, clear completed) and refreshes the counts', async () => {
    const { server, db } = renderTodos([milk, bread, cheese]);
    await screen.findByText('3 items left');
    const done = db.todos.map((t) => ({ ...t, completed: true, version: 2 }));
    db.todos = done;
    send(server, change('BULK', { todos: done }));
    expect(await screen.findByText('0 items left')).toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: 'Mark all as complete' })).toBeChecked();

    db.todos = [];
    send(server, change('BULK', { deletedIds: done.map((t) => t.id) }));
    expect(await screen.findByText('Nothing to do yet.')).toBeInTheDocument();
  });

  it('reorders when another page moves a todo', async () => {
    const { server } = renderTodos([milk, bread, cheese]);
    await screen.findByText('Buy milk');
    send(server, change('UPDATED', { todo: { ...cheese, position: '0000i', version: 2 } }));
    await waitFor(() => expect(titles()).toEqual(['Eat cheese', 'Buy milk', 'Bake bread']));
  });

  it('after the socket comes back, resubscribes from the last cursor seen (no reload needed)', async () => {
    const { server, reconnect } = renderTodos([milk]);
    await screen.findByText('Buy milk');
    const c = change('UPDATED', { todo: { ...milk, title: 'Buy oat milk', version: 2 } });
    send(server, c);
    await screen.findByText('Buy oat milk');
    const loads = server.callsOf('Todos').length;

    act(() => reconnect());
    await waitFor(() => expect(server.callsOf('TodoChanged').at(-1)!.variables).toEqual({ since: c.cursor }));
    expect(server.activeSubscriptions()).toBe(1);
    expect(server.callsOf('Todos')).toHaveLength(loads);

    // what was missed arrives first on the new subscription
    send(server, change('CREATED', { todo: bread }));
    expect(await screen.findByText('Bake bread')).toBeInTheDocument();
  });

  it('without a cursor yet, reads the list again after a reconnect', async () => {
    const { server, db, reconnect } = renderTodos([milk]);
    await screen.findByText('Buy milk');
    db.todos = [milk, bread]; // added while the socket was down
    act(() => reconnect());
    expect(await screen.findByText('Bake bread')).toBeInTheDocument();
    expect(server.callsOf('Todos')).toHaveLength(2);
    expect(server.callsOf('TodoChanged').at(-1)!.variables).toEqual({ since: null });
  });

  it('RESYNC reads the list again', async () => {
    const { server, db } = renderTodos([milk, bread]);
    await screen.findByText('Buy milk');
    db.todos = [bread, cheese];
    send(server, change('RESYNC'));
    expect(await screen.findByText('Eat cheese')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByText('Buy milk')).not.toBeInTheDocument());
  });

  it('when the subscription fails, says so and subscribes again from the last cursor', async () => {
    const { server } = renderTodos([milk], {}, { resubscribeDelayMs: 10 });
    await screen.findByText('Buy milk');
    const c = change('UPDATED', { todo: { ...milk, title: 'Buy oat milk', version: 2 } });
    send(server, c);
    act(() => server.push({ networkError: new Error('socket closed') }));
    expect(await screen.findByText('Live updates are reconnecting…')).toBeInTheDocument();
    await waitFor(() => expect(server.callsOf('TodoChanged')).toHaveLength(2));
    expect(server.callsOf('TodoChanged')[1]!.variables).toEqual({ since: c.cursor });
    send(server, change('CREATED', { todo: bread }));
    await waitFor(() => expect(screen.queryByText('Live updates are reconnecting…')).not.toBeInTheDocument());
    expect(screen.getByText('Bake bread')).toBeInTheDocument();
  });

  it('does not show its own new todo twice when the subscription echoes it', async () => {
    const user = userEvent.setup();
    const { server } = renderTodos([], {
      AddTodo: (v) => ({ data: { addTodo: makeTodo(7, { id: (v.input as { id: string }).id, title: 'Buy milk' }) } }),
    });
    await screen.findByText('Nothing to do yet.');
    await user.type(screen.getByLabelText('New todo'), 'Buy milk{Enter}');
    await screen.findByText('Buy milk');
    const id = (server.callsOf('AddTodo')[0]!.variables.input as { id: string }).id;
    send(server, change('CREATED', { todo: makeTodo(7, { id, title: 'Buy milk' }) }));
    expect(screen.getAllByTestId('todo-item')).toHaveLength(1);
  });
});
