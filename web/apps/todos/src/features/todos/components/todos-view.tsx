import { useState } from 'react';
import { Alert } from '@fedstack/ui/alert';
import { Button } from '@fedstack/ui/button';
import { Spinner } from '@fedstack/ui/spinner';
import { useTodos } from '../hooks/use-todos.ts';
import { AddTodoForm } from './add-todo-form.tsx';
import { TodoList } from './todo-list.tsx';

export function TodosView() {
  const { todos, loading, error, liveError, addTodo, toggleTodo, deleteTodo, reload } = useTodos();
  const [actionError, setActionError] = useState<string>();

  const run = (action: (id: string) => Promise<{ message: string } | undefined>) => (id: string) => {
    void action(id).then((failure) => setActionError(failure?.message));
  };

  return (
    <section aria-labelledby="todos-heading" style={{ maxWidth: 640 }}>
      <h2 id="todos-heading">Todos</h2>
      <AddTodoForm onAdd={addTodo} />
      {actionError ? <Alert>{actionError}</Alert> : null}
      {liveError ? <Alert tone="info">Live updates are reconnecting…</Alert> : null}
      {error && todos === null ? (
        <Alert>
          Could not load your todos: {error.message}{' '}
          <Button variant="secondary" onClick={reload}>
            Try again
          </Button>
        </Alert>
      ) : null}
      {loading ? <Spinner label="Loading todos…" /> : null}
      {todos ? <TodoList todos={todos} onToggle={run(toggleTodo)} onDelete={run(deleteTodo)} /> : null}
    </section>
  );
}
