import type { CombinedError } from 'urql';

/** The `extensions.code` of the first GraphQL error that has one (RATE_LIMITED, NOT_FOUND, INVALID…). */
export function errorCode(error: CombinedError | undefined): string | undefined {
  for (const e of error?.graphQLErrors ?? []) {
    const code = e.extensions?.code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Seconds to wait before trying again, from a RATE_LIMITED error's `extensions.retryAfter`. */
export function retryAfterSeconds(error: CombinedError | undefined): number | undefined {
  for (const e of error?.graphQLErrors ?? []) {
    const seconds = Number(e.extensions?.retryAfter);
    if (e.extensions?.code === 'RATE_LIMITED' && Number.isFinite(seconds) && seconds > 0) return Math.ceil(seconds);
  }
  return undefined;
}

/** The request never got a GraphQL answer (offline, connection reset, a gateway error page). */
export function isNetworkError(error: CombinedError | undefined): boolean {
  return !!error?.networkError && error.graphQLErrors.length === 0;
}

/** A server sentence ("the offset must be…") as one for the user: capitalised, with a full stop. */
export function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const first = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(first) ? first : `${first}.`;
}

/** What to tell the user about a failed request, in plain words. */
export function describeError(error: CombinedError): string {
  if (isNetworkError(error)) return 'Could not reach the server. Check your connection and try again.';
  const code = errorCode(error);
  if (code === 'UNAUTHENTICATED') return 'Your session has ended. Sign in again to continue.';
  if (code === 'FORBIDDEN') return 'You are not allowed to do that.';
  const first = error.graphQLErrors[0];
  const message = first?.message || error.message.replace(/^\[(GraphQL|Network)\]\s*/, '');
  if (code === 'INTERNAL' || /^internal (server )?error$/i.test(message)) {
    return 'Something went wrong on our side. Try again in a moment.';
  }
  return sentence(message || 'Something went wrong.');
}

/** "in 42 seconds", "in 3 minutes", "in 2 h 5 min": how long until a retry is allowed. */
export function waitWords(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}
