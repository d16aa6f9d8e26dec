import { AuthApiError } from '../../../lib/auth-api.ts';

/** What to show for a failed call: the server's reason, with when to try again if it said. */
export function failureMessage(error: unknown): { message: string; field?: string | undefined; transient: boolean } {
  if (!(error instanceof AuthApiError)) return { message: 'Something went wrong. Try again.', transient: true };
  let message = error.message;
  if (error.retryAfterSeconds !== undefined && !/try again/i.test(message)) {
    const n = error.retryAfterSeconds;
    message = `${message} Try again in ${n} second${n === 1 ? '' : 's'}.`;
  }
  return { message, field: error.field, transient: error.transient };
}
