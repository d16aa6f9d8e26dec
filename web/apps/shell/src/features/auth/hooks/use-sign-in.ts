import { useCallback, useState } from 'react';
import { AuthApiError, type LoginInput, type Session, type SignupInput } from '../../../lib/auth-api.ts';
import { useSessionManager } from '../../../lib/session-context.ts';

export type SignInResult =
  | { session: Session; error?: undefined; field?: undefined }
  | { session?: undefined; error: string; field?: string | undefined };

/** A user-facing message for a failed call: the server's reason, and when to try again. */
export function failureMessage(error: unknown): { error: string; field?: string | undefined } {
  if (!(error instanceof AuthApiError)) {
    return { error: 'Something went wrong. Try again.' };
  }
  let message = error.message;
  if (error.retryAfterSeconds !== undefined && !/try again/i.test(message)) {
    const n = error.retryAfterSeconds;
    message = `${message} Try again in ${n} second${n === 1 ? '' : 's'}.`;
  }
  return { error: message, field: error.field };
}

/**
 * Sign-up and sign-in through `/api/auth/*`: on success the tab's session manager keeps the
 * session (access token in memory only; the refresh cookie is HttpOnly) and tells the
 * user's other tabs.
 */
export function useSignIn() {
  const manager = useSessionManager();
  const [busy, setBusy] = useState(false);

  const run = useCallback(
    async (call: () => Promise<Session>): Promise<SignInResult> => {
      setBusy(true);
      try {
        const session = await call();
        manager.signedIn(session);
        return { session };
      } catch (error) {
        return failureMessage(error);
      } finally {
        setBusy(false);
      }
    },
    [manager],
  );

  const signup = useCallback((input: SignupInput) => run(() => manager.api.signup(input)), [run, manager]);
  const login = useCallback((input: LoginInput) => run(() => manager.api.login(input)), [run, manager]);

  return { signup, login, busy };
}
