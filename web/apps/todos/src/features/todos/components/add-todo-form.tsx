import { useState, type FormEvent } from 'react';
import { Button } from '@fedstack/ui/button';
import { TextField } from '@fedstack/ui/text-field';

export interface AddTodoFormProps {
  onAdd(title: string): Promise<{ message: string } | undefined>;
}

export function AddTodoForm({ onAdd }: AddTodoFormProps) {
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const trimmed = title.trim();
    if (!trimmed) {
      setError('Write something to do.');
      return;
    }
    if (trimmed.length > 500) {
      setError('At most 500 characters.');
      return;
    }
    setBusy(true);
    setError(undefined);
    const failure = await onAdd(trimmed);
    setBusy(false);
    if (failure) setError(failure.message);
    else setTitle('');
  }

  return (
    <form onSubmit={submit} aria-label="Add a todo" style={{ display: 'flex', gap: 8, alignItems: 'flex-start' }}>
      <div style={{ flex: 1 }}>
        <TextField
          label="New todo"
          name="title"
          placeholder="What needs to be done?"
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          error={error}
          autoComplete="off"
        />
      </div>
      <Button type="submit" disabled={busy} style={{ marginTop: 23 }}>
        Add
      </Button>
    </form>
  );
}
