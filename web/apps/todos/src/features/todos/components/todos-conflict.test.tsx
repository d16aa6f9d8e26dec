import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { renderTodos } from '../../../testing/render-todos.tsx';
import { makeTodo } from '../../../testing/todo-fixtures.ts';
import type { Todo } from '../utils/todo-list-state.ts';

// Changes made against a version someone else changed meanwhile (CONFLICT), reordering,
// and the details panel.

const milk = makeTodo(1, { title: 'Buy milk' });
const bread = makeTodo(2, { title: 'Bake bread' });
const cheese = makeTodo(3, { title: 'Eat cheese' });

/** The error the todos subgraph answers, `current` written as its stored record. */
const conflict = (current: Todo | null) => ({
  errors: [
    {
      message: `todo "${milk.id}" changed meanwhile (now at version ${current?.version ?? '?'}): reload it and apply your change again`,
      extensions: {
        code: 'CONFLICT',
        ...(current ? { current: { ...current, ownerId: 'u1', dueOn: current.dueOn ?? '', owner: undefined } } : {}),
      },
    },
  ],
});

async function renameMilk(to: string) {
  const user = userEvent.setup();
  await user.dblClick(await screen.findByText('Buy milk'));
  const field = screen.getByRole('textbox', { name: 'Edit "Buy milk"' });
  await user.clear(field);
  await user.type(field, `${to}{Enter}`);
}

const titles = () =>
  within(screen.getByRole('list', { name: 'Todos' }))
    .getAllByTestId('todo-item')
    .map((li) => li.querySelector('.fs-todos-title')?.textContent);

describe('conflicts', () => {
  it('an edit of a title someone else changed is not applied: the UI shows theirs and says so', async () => {
    const theirs = { ...milk, title: 'Buy goat milk', version: 2 };
    const { server } = renderTodos([milk], { UpdateTodo: () => conflict(theirs) });
    await renameMilk('Buy oat milk');
    expect(await screen.findByRole('alert')).toHaveTextContent('"Buy milk" was changed elsewhere; your edit was not applied.');
    expect(screen.getByText('Buy goat milk')).toBeInTheDocument();
    expect(screen.queryByText('Buy oat milk')).not.toBeInTheDocument();
    expect(server.callsOf('UpdateTodo')).toHaveLength(1);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('a title edit is applied again on top of a change to other fields', async () => {
    const theirs = { ...milk, notes: 'the oat one', completed: true, version: 2 };
    const { server } = renderTodos([milk], {
      UpdateTodo: (v) => {
        const input = v.input as { version: number; title: string };
        return input.version === 2 ? { data: { updateTodo: { ...theirs, title: input.title, version: 3 } } } : conflict(theirs);
      },
    });
    await renameMilk('Buy oat milk');
    expect(await screen.findByText('Buy oat milk')).toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: 'Mark "Buy oat milk" as not done' })).toBeChecked();
    expect(server.callsOf('UpdateTodo').map((c) => (c.variables.input as { version: number }).version)).toEqual([1, 2]);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('without extensions.current, reads the todo to show it as it is now', async () => {
    const theirs = { ...milk, title: 'Buy goat milk', version: 5 };
    const { server } = renderTodos([milk], {
      UpdateTodo: () => conflict(null),
      Todo: () => ({ data: { todo: theirs } }),
    });
    await renameMilk('Buy oat milk');
    expect(await screen.findByText('Buy goat milk')).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('your edit was not applied');
    expect(server.callsOf('Todo')[0]!.variables).toEqual({ id: milk.id });
  });

  it('a delete of a todo changed meanwhile is not made', async () => {
    const theirs = { ...milk, notes: 'keep me', version: 2 };
    const { server } = renderTodos([milk], { DeleteTodo: () => conflict(theirs) });
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Delete "Buy milk"' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('it was not deleted');
    expect(screen.getByText('Buy milk')).toBeInTheDocument();
    expect(server.callsOf('DeleteTodo')).toHaveLength(1);
  });

  it('a todo deleted elsewhere disappears, with a word why', async () => {
    renderTodos([milk], {
      ToggleTodo: () => ({ errors: [{ message: `todo "${milk.id}" not found`, extensions: { code: 'NOT_FOUND' } }] }),
    });
    await userEvent.setup().click(await screen.findByRole('checkbox', { name: 'Mark "Buy milk" as done' }));
    expect(await screen.findByText('"Buy milk" was deleted elsewhere.')).toBeInTheDocument();
    expect(screen.queryByTestId('todo-item')).not.toBeInTheDocument();
  });
});

describe('reordering', () => {
  const setup = () => {
    const rendered = renderTodos([milk, bread, cheese], {
      MoveTodo: (v) => {
        const { id, afterId, beforeId } = v as { id: string; afterId: string | null; beforeId: string | null };
        const pos = (x: string | null) => rendered.db.todos.find((t) => t.id === x)?.position;
        const lo = pos(afterId) ?? '0000';
        const hi = pos(beforeId) ?? 'zzzz';
        const position = `${lo}${hi > `${lo}i` ? 'i' : '0i'}`; // between lo and hi for these fixtures
        const i = rendered.db.todos.findIndex((t) => t.id === id);
        const moved = { ...rendered.db.todos[i]!, position, version: rendered.db.todos[i]!.version + 1 };
        rendered.db.todos = rendered.db.todos.map((t, j) => (j === i ? moved : t));
        return { data: { moveTodo: moved } };
      },
    });
    return rendered;
  };

  it('moves a todo down and up with the buttons, sending its neighbours and version', async () => {
    const user = userEvent.setup();
    const { server } = setup();
    await user.click(await screen.findByRole('button', { name: 'Move "Buy milk" down' }));
    await waitFor(() => expect(titles()).toEqual(['Bake bread', 'Buy milk', 'Eat cheese']));
    expect(server.callsOf('MoveTodo')[0]!.variables).toEqual({ id: milk.id, afterId: bread.id, beforeId: cheese.id, version: 1 });
    expect(screen.getByRole('button', { name: 'Move "Bake bread" up' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Move "Eat cheese" down' })).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Move "Eat cheese" up' }));
    await waitFor(() => expect(titles()).toEqual(['Bake bread', 'Eat cheese', 'Buy milk']));
    expect(server.callsOf('MoveTodo')[1]!.variables).toEqual({ id: cheese.id, afterId: bread.id, beforeId: milk.id, version: 1 });
  });

  it('moves with the arrow keys on the drag handle', async () => {
    const user = userEvent.setup();
    const { server } = setup();
    (await screen.findByRole('button', { name: 'Reorder "Eat cheese"' })).focus();
    await user.keyboard('{ArrowUp}');
    await waitFor(() => expect(titles()).toEqual(['Buy milk', 'Eat cheese', 'Bake bread']));
    expect(server.callsOf('MoveTodo')[0]!.variables).toMatchObject({ id: cheese.id, afterId: milk.id, beforeId: bread.id });
  });

  it('drops a dragged todo before the one it is dropped on (dragging up) or after it (dragging down)', async () => {
    const { server } = setup();
    const handle = await screen.findByRole('button', { name: 'Reorder "Eat cheese"' });
    const target = screen.getByText('Buy milk').closest('li')!;
    fireEvent.dragStart(handle);
    fireEvent.dragOver(target);
    expect(target).toHaveAttribute('data-drop', 'before');
    fireEvent.drop(target);
    await waitFor(() => expect(titles()).toEqual(['Eat cheese', 'Buy milk', 'Bake bread']));
    expect(server.callsOf('MoveTodo')[0]!.variables).toEqual({ id: cheese.id, afterId: null, beforeId: milk.id, version: 1 });

    fireEvent.dragStart(screen.getByRole('button', { name: 'Reorder "Eat cheese"' }));
    const last = screen.getByText('Bake bread').closest('li')!;
    fireEvent.dragOver(last);
    expect(last).toHaveAttribute('data-drop', 'after');
    fireEvent.drop(last);
    await waitFor(() => expect(titles()).toEqual(['Buy milk', 'Bake bread', 'Eat cheese']));
    expect(server.callsOf('MoveTodo')[1]!.variables).toEqual({ id: cheese.id, afterId: bread.id, beforeId: null, version: 2 });
  });
});

describe('details', () => {
  it('shows due date (overdue marked), priority, tags and expandable notes', async () => {
    const user = userEvent.setup();
    renderTodos([
      makeTodo(1, { title: 'Pay rent', dueOn: '2001-01-01', priority: 'HIGH', tags: ['home', 'money'], notes: 'by transfer' }),
      makeTodo(2, { title: 'Plan trip', dueOn: '2999-01-01' }),
      makeTodo(3, { title: 'Old but done', dueOn: '2001-01-01', completed: true }),
    ]);
    const rent = (await screen.findByText('Pay rent')).closest('li')!;
    expect(within(rent).getByText(/Overdue: due/)).toBeInTheDocument();
    expect(within(rent).getByText('High priority')).toBeInTheDocument();
    expect(within(within(rent).getByRole('list', { name: 'Tags of "Pay rent"' })).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'home',
      'money',
    ]);
    expect(within(rent).queryByText('by transfer')).not.toBeInTheDocument();
    await user.click(within(rent).getByRole('button', { name: 'Show notes of "Pay rent"' }));
    expect(within(rent).getByText('by transfer')).toBeInTheDocument();

    const trip = screen.getByText('Plan trip').closest('li')!;
    expect(within(trip).getByText(/^Due/)).toBeInTheDocument();
    expect(within(trip).queryByText(/Overdue/)).not.toBeInTheDocument();
    expect(within(screen.getByText('Old but done').closest('li')!).queryByText(/Overdue/)).not.toBeInTheDocument();
  });

  it('edits due date, priority, tags and notes; only what changed is sent', async () => {
    const user = userEvent.setup();
    const todo = makeTodo(1, { title: 'Pay rent', tags: ['home'], dueOn: '2026-12-01' });
    const { server, db } = renderTodos([todo], {
      UpdateTodo: (v) => {
        const { id: _id, version: _v, ...patch } = v.input as Partial<Todo>;
        const next = { ...db.todos[0]!, ...patch, version: db.todos[0]!.version + 1 };
        db.todos = [next];
        return { data: { updateTodo: next } };
      },
    });
    await user.click(await screen.findByRole('button', { name: 'Details of "Pay rent"' }));
    const form = screen.getByRole('form', { name: 'Details of "Pay rent"' });
    await user.clear(within(form).getByLabelText('Due date'));
    await user.selectOptions(within(form).getByLabelText('Priority'), 'MEDIUM');
    await user.click(within(form).getByRole('button', { name: 'Remove tag home' }));
    await user.type(within(form).getByLabelText('Add a tag'), 'money{Enter}');
    await user.type(within(form).getByLabelText('Notes'), 'by transfer');
    await user.click(within(form).getByRole('button', { name: 'Save details' }));
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Details of "Pay rent"' })).not.toBeInTheDocument());
    expect(server.callsOf('UpdateTodo')[0]!.variables).toEqual({
      input: { id: todo.id, version: 1, dueOn: null, priority: 'MEDIUM', tags: ['money'], notes: 'by transfer' },
    });
    const item = screen.getByText('Pay rent').closest('li')!;
    expect(within(item).getByText('Medium priority')).toBeInTheDocument();
    expect(within(item).queryByText(/Due/)).not.toBeInTheDocument();
  });

  it('stays open with the typed values when the notes were changed elsewhere, and saving again applies them', async () => {
    const user = userEvent.setup();
    const todo = makeTodo(1, { title: 'Pay rent' });
    const theirs = { ...todo, notes: 'cash', version: 2 };
    const { server } = renderTodos([todo], {
      UpdateTodo: (v) => {
        const input = v.input as { version: number; notes: string };
        return input.version === 2 ? { data: { updateTodo: { ...theirs, notes: input.notes, version: 3 } } } : conflict({ ...theirs, id: todo.id });
      },
    });
    await user.click(await screen.findByRole('button', { name: 'Details of "Pay rent"' }));
    const form = screen.getByRole('form', { name: 'Details of "Pay rent"' });
    await user.type(within(form).getByLabelText('Notes'), 'by transfer');
    await user.click(within(form).getByRole('button', { name: 'Save details' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('"Pay rent" was changed elsewhere; your edit was not applied.');
    expect(within(form).getByLabelText('Notes')).toHaveValue('by transfer');
    await user.click(within(form).getByRole('button', { name: 'Save details' }));
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Details of "Pay rent"' })).not.toBeInTheDocument());
    expect(server.callsOf('UpdateTodo').map((c) => (c.variables.input as { version: number }).version)).toEqual([1, 2]);
  });
});
