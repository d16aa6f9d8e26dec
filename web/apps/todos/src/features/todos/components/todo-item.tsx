import { Button } from '@fedstack/ui/button';
import type { Todo } from '../utils/merge-todos.ts';

export interface TodoItemProps {
  todo: Todo;
  onToggle(id: string): void;
  onDelete(id: string): void;
}

export function TodoItem({ todo, onToggle, onDelete }: TodoItemProps) {
  return (
    <li
      data-testid="todo-item"
      style={{ display: 'flex', alignItems: 'center', gap: 12, padding: '8px 0', borderBottom: '1px solid #e5e7eb' }}
    >
      <input
        type="checkbox"
        checked={todo.completed}
        onChange={() => onToggle(todo.id)}
        aria-label={`Mark "${todo.title}" as ${todo.completed ? 'not done' : 'done'}`}
      />
      <span style={{ flex: 1, textDecoration: todo.completed ? 'line-through' : 'none' }}>{todo.title}</span>
      {/* owner comes from the auth subgraph; the schema lets it be null when auth is down */}
      <span style={{ color: '#6b7280', fontSize: 14 }}>{todo.owner ? `by ${todo.owner.name}` : 'owner unavailable'}</span>
      <Button variant="danger" onClick={() => onDelete(todo.id)} aria-label={`Delete "${todo.title}"`}>
        Delete
      </Button>
    </li>
  );
}
