import { AuthApiError, type AuthErrorCode } from '../../../lib/auth-api.ts';

/**
 * The auth service's account routes that mailed links lead to (`/api/auth/*` on the page's
 * own origin): confirming an email address, asking for a password reset link and choosing a
 * new password with it. Every call is a JSON POST; a refusal becomes an AuthApiError with
 * the server's code, message and field.
 */

const baseUrl = '/api/auth';

const unreachable = 'Could not reach the server. Check your connection and try again.';

function fallbackMessage(status: number): string {
  if (status === 403) return 'The request was refused. Reload the page and try again.';
  if (status === 429) return 'Too many attempts. Wait a moment and try again.';
  if (status >= 500) return 'The account service is unavailable right now. Try again in a moment.';
  return `The request failed (HTTP ${status}). Try again.`;
}

function codeForStatus(status: number): AuthErrorCode {
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'RATE_LIMITED';
  if (status >= 500) return 'INTERNAL';
  return 'INVALID';
}

function retryAfterSeconds(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function refusal(response: Response, body: unknown): AuthApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; field?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' && error.code ? error.code : codeForStatus(response.status);
  const message = typeof error?.message === 'string' && error.message ? error.message : fallbackMessage(response.status);
  const field = typeof error?.field === 'string' && error.field ? error.field : undefined;
  const wait = response.status === 429 ? retryAfterSeconds(response) : undefined;
  return new AuthApiError(code, message, response.status, field, wait);
}

async function post(path: string, body: unknown): Promise<unknown> {
  let response: Response;
  try {
    // looked up at call time, so tests can stub it
    response = await globalThis.fetch(`${baseUrl}${path}`, {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    throw new AuthApiError('NETWORK', unreachable, 0);
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    json = undefined;
  }
  if (!response.ok) throw refusal(response, json);
  return json;
}

/** Confirms the address the mailed `token` was sent to. A token works once. */
export async function verifyEmail(token: string): Promise<void> {
  await post('/verify-email', { token });
}

/**
 * Asks for a reset link mailed to `email`. The server answers the same (202) whether or not
 * an account uses the address; 429 RATE_LIMITED when asked too often.
 */
export async function requestPasswordReset(email: string): Promise<void> {
  await post('/password-reset/request', { email });
}

/**
 * Sets a new password with the mailed `token` (it works once). The server ends every session
 * of the account and clears this browser's refresh cookie. A refused password comes back as
 * INVALID with field "newPassword" (and does not use up the link); a used, expired or
 * replaced link as INVALID with field "token".
 */
export async function resetPassword(token: string, newPassword: string): Promise<void> {
  await post('/password-reset', { token, newPassword });
}
