import { useId } from 'react';
import { Alert } from '@fedstack/ui/alert';
import { Button } from '@fedstack/ui/button';
import { Spinner } from '@fedstack/ui/spinner';
import { useFilterParam } from '../hooks/use-filter-param.ts';
import { useTodos, type UseTodosOptions } from '../hooks/use-todos.ts';
import { localToday } from '../utils/dates.ts';
import { NewTodoForm } from './new-todo-form.tsx';
import { TodoList } from './todo-list.tsx';
import { TodosFooter } from './todos-footer.tsx';
import { TodosStyles } from './todos-styles.tsx';

export type TodosViewProps = UseTodosOptions;

const EMPTY = {
  ALL: 'Nothing to do yet.',
  ACTIVE: 'Nothing left to do.',
  COMPLETED: 'Nothing completed yet.',
} as const;

/**
 * The todos page: TodoMVC (new todo, toggle all, the list, "N items left", filters in the
 * URL, clear completed) plus due dates, priorities, tags, notes, reordering and paging,
 * kept live across tabs and devices.
 */
export function TodosView(options: TodosViewProps) {
  const [filter, setFilter] = useFilterParam();
  const todos = useTodos(filter, options);
  const { counts, notice } = todos;
  const toggleAllId = useId();
  const any = counts !== null && counts.all > 0;
  const allDone = any && counts.active === 0;

  return (
    <section aria-labelledby="todos-heading" className="fs-todos">
      <TodosStyles />
      <h2 id="todos-heading">Todos</h2>
      <NewTodoForm onAdd={todos.addTodo} />
      {notice ? (
        <Alert tone={notice.tone}>
          {notice.message}{' '}
          <Button variant="secondary" onClick={todos.dismissNotice} style={{ padding: '0 8px' }}>
            Dismiss
          </Button>
        </Alert>
      ) : null}
      {todos.liveError ? <Alert tone="info">Live updates are reconnecting…</Alert> : null}
      {todos.error && todos.todos === null ? (
        <Alert>
          Could not load your todos: {todos.error.message}{' '}
          <Button variant="secondary" onClick={todos.reload}>
            Try again
          </Button>
        </Alert>
      ) : null}
      {todos.loading ? <Spinner label="Loading todos…" /> : null}
      {any ? (
        <div style={{ display: 'flex', alignItems: 'center', gap: 8, padding: '4px 0' }}>
          <input
            id={toggleAllId}
            type="checkbox"
            checked={allDone}
            onChange={() => void todos.toggleAll(!allDone)}
          />
          <label htmlFor={toggleAllId}>Mark all as complete</label>
        </div>
      ) : null}
      {todos.todos && todos.todos.length > 0 ? (
        <TodoList
          todos={todos.todos}
          hasNextPage={todos.hasNextPage}
          today={localToday()}
          onToggle={(t) => void todos.toggleTodo(t)}
          onDelete={(t) => void todos.deleteTodo(t)}
          onUpdate={todos.updateTodo}
          onMove={(t, afterId, beforeId) => void todos.moveTodo(t, afterId, beforeId)}
        />
      ) : null}
      {todos.todos && todos.todos.length === 0 && !todos.loading && !todos.hasNextPage ? (
        <p style={{ color: '#6b7280' }}>{EMPTY[filter]}</p>
      ) : null}
      {todos.hasNextPage ? (
        <Button variant="secondary" disabled={todos.loadingMore} onClick={() => void todos.loadMore()} style={{ marginTop: 8 }}>
          {todos.loadingMore ? 'Loading…' : 'Load more'}
        </Button>
      ) : null}
      {any ? (
        <TodosFooter
          active={counts.active}
          completed={counts.completed}
          filter={filter}
          onFilter={setFilter}
          onClearCompleted={() => void todos.clearCompleted()}
        />
      ) : null}
    </section>
  );
}
