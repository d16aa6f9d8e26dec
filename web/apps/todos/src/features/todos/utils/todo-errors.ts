import type { CombinedError } from 'urql';
import type { Todo } from './todo-list-state.ts';

/** The `extensions.code` of the first GraphQL error that has one (CONFLICT, NOT_FOUND, INVALID…). */
export function errorCode(error: CombinedError | undefined): string | undefined {
  for (const e of error?.graphQLErrors ?? []) {
    const code = e.extensions?.code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** The request never got a GraphQL answer (offline, connection reset, a gateway error page). */
export function isNetworkError(error: CombinedError | undefined): boolean {
  return !!error?.networkError && error.graphQLErrors.length === 0;
}

/** What to tell the user about a failed request. */
export function errorMessage(error: CombinedError): string {
  if (isNetworkError(error)) return 'Could not reach the server. Check your connection and try again.';
  const first = error.graphQLErrors[0];
  return first?.message || error.message.replace(/^\[(GraphQL|Network)\]\s*/, '');
}

const str = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback);

/**
 * The todo as it is now, from a CONFLICT error's `extensions.current`, in the shape the UI
 * uses. The server writes it as its stored record, so the field names match but `dueOn`
 * may be "" for "none", `tags` null for none, and `owner` absent: the copy on screen
 * fills the gaps. Null when the error does not carry it.
 */
export function conflictCurrent(error: CombinedError | undefined, shown: Todo): Todo | null {
  for (const e of error?.graphQLErrors ?? []) {
    if (e.extensions?.code !== 'CONFLICT') continue;
    const raw = e.extensions.current;
    if (!raw || typeof raw !== 'object') continue;
    const c = raw as Record<string, unknown>;
    if (typeof c.version !== 'number' || str(c.id, '').toLowerCase() !== shown.id.toLowerCase()) continue;
    const priority = c.priority;
    return {
      ...shown,
      title: str(c.title, shown.title),
      notes: str(c.notes, shown.notes),
      completed: typeof c.completed === 'boolean' ? c.completed : shown.completed,
      completedAt: typeof c.completedAt === 'string' ? c.completedAt : null,
      dueOn: typeof c.dueOn === 'string' && c.dueOn !== '' ? c.dueOn : null,
      priority: priority === 'NONE' || priority === 'LOW' || priority === 'MEDIUM' || priority === 'HIGH' ? priority : shown.priority,
      tags: Array.isArray(c.tags) ? c.tags.filter((t): t is string => typeof t === 'string') : [],
      position: str(c.position, shown.position),
      version: c.version,
      createdAt: str(c.createdAt, shown.createdAt),
      updatedAt: str(c.updatedAt, shown.updatedAt),
      owner: shown.owner,
    };
  }
  return null;
}
