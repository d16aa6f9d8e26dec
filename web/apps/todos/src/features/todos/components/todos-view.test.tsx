import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { renderTodos } from '../../../testing/render-todos.tsx';
import { makeTodo } from '../../../testing/todo-fixtures.ts';
import type { Todo } from '../utils/todo-list-state.ts';

// TodoMVC behaviours against a scripted server (a real urql client, see testing/test-server.ts).

const milk = makeTodo(1, { title: 'Buy milk' });
const bread = makeTodo(2, { title: 'Bake bread' });
const cheese = makeTodo(3, { title: 'Eat cheese', completed: true, completedAt: '2026-11-29T07:00:00Z' });

const items = () => within(screen.getByRole('list', { name: 'Todos' })).getAllByTestId('todo-item');
const itemTitles = () => items().map((li) => within(li).getByRole('checkbox').getAttribute('aria-label'));

/** Answers a mutation by changing the scripted database, as the server would. */
function bump(db: { todos: Todo[] }, id: string, change: Partial<Todo>): Todo {
  const i = db.todos.findIndex((t) => t.id === id);
  const next = { ...db.todos[i]!, ...change, version: db.todos[i]!.version + 1 };
  db.todos = db.todos.map((t, j) => (j === i ? next : t));
  return next;
}

describe('TodosView (TodoMVC)', () => {
  it('lists the todos in order with their owner, the items left and the footer', async () => {
    renderTodos([milk, bread, cheese]);
    const list = await screen.findByRole('list', { name: 'Todos' });
    const rows = within(list).getAllByRole('listitem').filter((li) => li.dataset.testid === 'todo-item');
    expect(rows.map((li) => within(li).getByRole('checkbox').getAttribute('aria-label'))).toEqual([
      'Mark "Buy milk" as done',
      'Mark "Bake bread" as done',
      'Mark "Eat cheese" as not done',
    ]);
    expect(within(rows[0]!).getByText('by Ada Lovelace')).toBeInTheDocument();
    expect(await screen.findByText('2 items left')).toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: 'Mark all as complete' })).not.toBeChecked();
    expect(screen.getByRole('link', { name: 'All' })).toHaveAttribute('aria-current', 'page');
    expect(screen.getByRole('button', { name: 'Clear completed' })).toBeInTheDocument();
  });

  it('says "1 item left" in the singular, and hides toggle-all, footer and clear when there is nothing', async () => {
    const { unmount } = renderTodos([milk]);
    expect(await screen.findByText('1 item left')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Clear completed' })).not.toBeInTheDocument();
    unmount();

    renderTodos([]);
    expect(await screen.findByText('Nothing to do yet.')).toBeInTheDocument();
    expect(screen.queryByRole('checkbox', { name: 'Mark all as complete' })).not.toBeInTheDocument();
    expect(screen.queryByText(/items? left/)).not.toBeInTheDocument();
  });

  it('adds a todo on Enter, trimmed, with an id chosen here; ignores an empty one', async () => {
    const user = userEvent.setup();
    const { server, db } = renderTodos([], {
      AddTodo: (v) => {
        const input = v.input as { id: string; title: string };
        const todo = makeTodo(9, { id: input.id, title: input.title });
        db.todos = [...db.todos, todo];
        return { data: { addTodo: todo } };
      },
    });
    await screen.findByText('Nothing to do yet.');
    const input = screen.getByLabelText('New todo');

    await user.type(input, '   {Enter}');
    expect(server.callsOf('AddTodo')).toHaveLength(0);

    await user.type(input, '  Bake bread  {Enter}');
    expect(await screen.findByText('Bake bread')).toBeInTheDocument();
    expect(input).toHaveValue('');
    const [call] = server.callsOf('AddTodo');
    expect(call!.variables.input).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/), title: 'Bake bread' });
    expect(await screen.findByText('1 item left')).toBeInTheDocument();
  });

  it('retries an add once after a network error, with the same id (so no duplicate)', async () => {
    const user = userEvent.setup();
    let attempts = 0;
    const { server } = renderTodos([], {
      AddTodo: (v) => {
        attempts++;
        if (attempts === 1) return { networkError: new TypeError('Failed to fetch') };
        const input = v.input as { id: string; title: string };
        return { data: { addTodo: makeTodo(9, { id: input.id, title: input.title }) } };
      },
    });
    await screen.findByText('Nothing to do yet.');
    await user.type(screen.getByLabelText('New todo'), 'Buy milk');
    await user.click(screen.getByRole('button', { name: 'Add' }));
    expect(await screen.findByText('Buy milk')).toBeInTheDocument();
    const ids = server.callsOf('AddTodo').map((c) => (c.variables.input as { id: string }).id);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
  });

  it('keeps the text and says why when adding fails', async () => {
    const user = userEvent.setup();
    renderTodos([], {
      AddTodo: () => ({ errors: [{ message: 'title is 501 characters long; the limit is 500', extensions: { code: 'INVALID' } }] }),
    });
    await screen.findByText('Nothing to do yet.');
    await user.type(screen.getByLabelText('New todo'), 'Too long{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('the limit is 500');
    expect(screen.getByLabelText('New todo')).toHaveValue('Too long');
  });

  it('adds with due date, priority, tags and notes from "More options"', async () => {
    const user = userEvent.setup();
    const { server } = renderTodos([], {
      AddTodo: (v) => {
        const input = v.input as Todo;
        return { data: { addTodo: makeTodo(9, { ...input, dueOn: input.dueOn ?? null }) } };
      },
    });
    await screen.findByText('Nothing to do yet.');
    await user.click(screen.getByRole('button', { name: 'More options' }));
    const form = screen.getByRole('form', { name: 'Add a todo' });
    await user.type(within(form).getByLabelText('Due date'), '2026-12-24');
    await user.selectOptions(within(form).getByLabelText('Priority'), 'HIGH');
    await user.type(within(form).getByLabelText('Add a tag'), 'home{Enter}shop,');
    await user.type(within(form).getByLabelText('Notes'), 'the big one');
    await user.type(within(form).getByLabelText('New todo'), 'Buy a tree{Enter}');
    await screen.findByText('Buy a tree');
    expect(server.callsOf('AddTodo')[0]!.variables.input).toMatchObject({
      title: 'Buy a tree',
      dueOn: '2026-12-24',
      priority: 'HIGH',
      tags: ['home', 'shop'],
      notes: 'the big one',
    });
    const item = screen.getByTestId('todo-item');
    expect(within(item).getByText('High priority')).toBeInTheDocument();
    expect(within(within(item).getByRole('list', { name: 'Tags of "Buy a tree"' })).getAllByRole('listitem')).toHaveLength(2);
  });

  it('toggles a todo with the version it showed', async () => {
    const user = userEvent.setup();
    const { server, db } = renderTodos([milk, bread], {
      ToggleTodo: (v) => ({ data: { toggleTodo: bump(db, v.id as string, { completed: true }) } }),
    });
    await user.click(await screen.findByRole('checkbox', { name: 'Mark "Buy milk" as done' }));
    expect(await screen.findByRole('checkbox', { name: 'Mark "Buy milk" as not done' })).toBeChecked();
    expect(server.callsOf('ToggleTodo')[0]!.variables).toEqual({ id: milk.id, version: 1 });
    expect(await screen.findByText('1 item left')).toBeInTheDocument();
  });

  it('toggles all, then back; "Clear completed" deletes the completed ones', async () => {
    const user = userEvent.setup();
    const { server, db } = renderTodos([milk, bread, cheese], {
      ToggleAll: (v) => {
        const completed = v.completed as boolean;
        const changed = db.todos.filter((t) => t.completed !== completed).map((t) => bump(db, t.id, { completed }));
        return { data: { toggleAll: changed } };
      },
      ClearCompleted: () => {
        const ids = db.todos.filter((t) => t.completed).map((t) => t.id);
        db.todos = db.todos.filter((t) => !t.completed);
        return { data: { clearCompleted: ids } };
      },
    });
    const toggleAll = await screen.findByRole('checkbox', { name: 'Mark all as complete' });
    await screen.findByText('2 items left');
    await user.click(toggleAll);
    await waitFor(() => expect(screen.getByText('0 items left')).toBeInTheDocument());
    expect(toggleAll).toBeChecked();
    expect(server.callsOf('ToggleAll')[0]!.variables).toEqual({ completed: true });
    screen.getAllByRole('checkbox', { name: /as not done/ }).forEach((box) => expect(box).toBeChecked());

    await user.click(toggleAll);
    await waitFor(() => expect(screen.getByText('3 items left')).toBeInTheDocument());
    expect(server.callsOf('ToggleAll')[1]!.variables).toEqual({ completed: false });
    expect(screen.queryByRole('button', { name: 'Clear completed' })).not.toBeInTheDocument();

    await user.click(screen.getByRole('checkbox', { name: 'Mark all as complete' }));
    await user.click(await screen.findByRole('button', { name: 'Clear completed' }));
    expect(await screen.findByText('Nothing to do yet.')).toBeInTheDocument();
    expect(screen.queryByRole('checkbox', { name: 'Mark all as complete' })).not.toBeInTheDocument();
  });

  it('deletes with the destroy button, sending the version shown', async () => {
    const user = userEvent.setup();
    const { server, db } = renderTodos([milk, bread], {
      DeleteTodo: (v) => {
        db.todos = db.todos.filter((t) => t.id !== v.id);
        return { data: { deleteTodo: v.id } };
      },
    });
    await user.click(await screen.findByRole('button', { name: 'Delete "Buy milk"' }));
    await waitFor(() => expect(screen.queryByText('Buy milk')).not.toBeInTheDocument());
    expect(server.callsOf('DeleteTodo')[0]!.variables).toEqual({ id: milk.id, version: 1 });
    expect(await screen.findByText('1 item left')).toBeInTheDocument();
  });

  describe('inline edit', () => {
    const setup = () => {
      const rendered = renderTodos([milk, bread], {
        UpdateTodo: (v) => {
          const input = v.input as { id: string; title: string };
          return { data: { updateTodo: bump(rendered.db, input.id, { title: input.title }) } };
        },
        DeleteTodo: (v) => {
          rendered.db.todos = rendered.db.todos.filter((t) => t.id !== v.id);
          return { data: { deleteTodo: v.id } };
        },
      });
      return rendered;
    };

    it('double-click edits; Enter saves the trimmed title against the version shown', async () => {
      const user = userEvent.setup();
      const { server } = setup();
      await user.dblClick(await screen.findByText('Buy milk'));
      const field = screen.getByRole('textbox', { name: 'Edit "Buy milk"' });
      expect(field).toHaveFocus();
      await user.clear(field);
      await user.type(field, '  Buy oat milk  {Enter}');
      expect(await screen.findByText('Buy oat milk')).toBeInTheDocument();
      expect(screen.queryByRole('textbox', { name: /^Edit/ })).not.toBeInTheDocument();
      expect(server.callsOf('UpdateTodo')[0]!.variables).toEqual({ input: { id: milk.id, version: 1, title: 'Buy oat milk' } });
    });

    it('Escape cancels without sending anything', async () => {
      const user = userEvent.setup();
      const { server } = setup();
      await user.dblClick(await screen.findByText('Buy milk'));
      await user.type(screen.getByRole('textbox', { name: 'Edit "Buy milk"' }), ' and eggs{Escape}');
      expect(screen.getByText('Buy milk')).toBeInTheDocument();
      expect(screen.queryByRole('textbox', { name: /^Edit/ })).not.toBeInTheDocument();
      expect(screen.getByRole('button', { name: 'Rename "Buy milk"' })).toHaveFocus();
      expect(server.callsOf('UpdateTodo')).toHaveLength(0);
    });

    it('leaving the field saves; an unchanged title sends nothing', async () => {
      const user = userEvent.setup();
      const { server } = setup();
      await user.dblClick(await screen.findByText('Buy milk'));
      await user.click(screen.getByLabelText('New todo'));
      expect(server.callsOf('UpdateTodo')).toHaveLength(0);

      await user.click(screen.getByRole('button', { name: 'Rename "Bake bread"' }));
      await user.type(screen.getByRole('textbox', { name: 'Edit "Bake bread"' }), ' twice');
      await user.click(screen.getByLabelText('New todo'));
      expect(await screen.findByText('Bake bread twice')).toBeInTheDocument();
    });

    it('an empty title deletes the todo', async () => {
      const user = userEvent.setup();
      const { server } = setup();
      await user.dblClick(await screen.findByText('Buy milk'));
      await user.clear(screen.getByRole('textbox', { name: 'Edit "Buy milk"' }));
      await user.keyboard('{Enter}');
      await waitFor(() => expect(screen.queryByText('Buy milk')).not.toBeInTheDocument());
      expect(server.callsOf('DeleteTodo')[0]!.variables).toEqual({ id: milk.id, version: 1 });
      expect(server.callsOf('UpdateTodo')).toHaveLength(0);
    });
  });

  describe('filters', () => {
    it('are links that put the filter in the URL and ask the server for that filter', async () => {
      const user = userEvent.setup();
      const { server } = renderTodos([milk, bread, cheese]);
      await screen.findByText('Buy milk');

      await user.click(screen.getByRole('link', { name: 'Active' }));
      expect(window.location.search).toBe('?filter=active');
      await waitFor(() => expect(itemTitles()).toEqual(['Mark "Buy milk" as done', 'Mark "Bake bread" as done']));
      expect(screen.getByRole('link', { name: 'Active' })).toHaveAttribute('aria-current', 'page');
      expect(server.callsOf('Todos').at(-1)!.variables).toMatchObject({ filter: 'ACTIVE' });

      await user.click(screen.getByRole('link', { name: 'Completed' }));
      expect(window.location.search).toBe('?filter=completed');
      await waitFor(() => expect(itemTitles()).toEqual(['Mark "Eat cheese" as not done']));

      await user.click(screen.getByRole('link', { name: 'All' }));
      expect(window.location.search).toBe('');
      await waitFor(() => expect(items()).toHaveLength(3));
    });

    it('follow back/forward, and start from the URL', async () => {
      window.history.replaceState(null, '', '/todos?filter=completed');
      const { server } = renderTodos([milk, cheese]);
      await screen.findByText('Eat cheese');
      expect(screen.queryByText('Buy milk')).not.toBeInTheDocument();
      expect(server.callsOf('Todos')[0]!.variables).toMatchObject({ filter: 'COMPLETED' });

      act(() => {
        window.history.pushState(null, '', '/todos?filter=active');
        window.dispatchEvent(new PopStateEvent('popstate'));
      });
      expect(await screen.findByText('Buy milk')).toBeInTheDocument();
      await waitFor(() => expect(screen.queryByText('Eat cheese')).not.toBeInTheDocument());
    });

    it('a todo completed while "Active" is shown leaves the list; empty filters say so', async () => {
      const user = userEvent.setup();
      window.history.replaceState(null, '', '/?filter=active');
      const { db } = renderTodos([milk], {
        ToggleTodo: (v) => ({ data: { toggleTodo: bump(db, v.id as string, { completed: true }) } }),
      });
      await user.click(await screen.findByRole('checkbox', { name: 'Mark "Buy milk" as done' }));
      expect(await screen.findByText('Nothing left to do.')).toBeInTheDocument();
      expect(screen.getByText('0 items left')).toBeInTheDocument();
    });
  });

  it('loads further pages with the cursor of the last one', async () => {
    const user = userEvent.setup();
    const todos = Array.from({ length: 5 }, (_, i) => makeTodo(i + 1));
    const { server } = renderTodos(todos, {}, { pageSize: 2 });
    await screen.findByText('todo 1');
    expect(items()).toHaveLength(2);
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(items()).toHaveLength(4));
    expect(server.callsOf('Todos').at(-1)!.variables).toEqual({ filter: 'ALL', first: 2, after: todos[1]!.id });
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(items()).toHaveLength(5));
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
    expect(screen.getByText('5 items left')).toBeInTheDocument();
  });

  it('says when the list cannot be loaded, and tries again', async () => {
    const user = userEvent.setup();
    let fail = true;
    const { db } = renderTodos([milk], {
      Todos: () => (fail ? { networkError: new TypeError('Failed to fetch') } : { data: { todos: { nodes: db.todos, pageInfo: { endCursor: null, hasNextPage: false } } } }),
    });
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load your todos');
    fail = false;
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Buy milk')).toBeInTheDocument();
  });
});
