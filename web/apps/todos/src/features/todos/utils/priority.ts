import type { Todo } from './todo-list-state.ts';

export type Priority = Todo['priority'];

/** The priorities, lowest first, with what the user reads. */
export const PRIORITIES: ReadonlyArray<{ value: Priority; label: string }> = [
  { value: 'NONE', label: 'None' },
  { value: 'LOW', label: 'Low' },
  { value: 'MEDIUM', label: 'Medium' },
  { value: 'HIGH', label: 'High' },
];

export const priorityLabel = (p: Priority) => PRIORITIES.find((x) => x.value === p)?.label ?? p;
