import type { Todo } from '../utils/merge-todos.ts';
import { TodoItem } from './todo-item.tsx';

export interface TodoListProps {
  todos: readonly Todo[];
  onToggle(id: string): void;
  onDelete(id: string): void;
}

export function TodoList({ todos, onToggle, onDelete }: TodoListProps) {
  if (todos.length === 0) return <p style={{ color: '#6b7280' }}>Nothing to do yet.</p>;
  const left = todos.filter((t) => !t.completed).length;
  return (
    <>
      <ul aria-label="Todos" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
        {todos.map((todo) => (
          <TodoItem key={todo.id} todo={todo} onToggle={onToggle} onDelete={onDelete} />
        ))}
      </ul>
      <p style={{ color: '#6b7280', fontSize: 14 }}>
        {left} {left === 1 ? 'item' : 'items'} left
      </p>
    </>
  );
}
