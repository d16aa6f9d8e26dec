import { useCallback, useEffect, useState } from 'react';
import { verifyEmail } from '../api/account-api.ts';
import { failureMessage } from '../utils/failure-message.ts';

export type VerificationState =
  | { status: 'verifying' }
  | { status: 'verified' }
  /** `retryable`: no answer, a 5xx or rate limited; the link may still work. */
  | { status: 'failed'; message: string; retryable: boolean };

type Outcome = Exclude<VerificationState, { status: 'verifying' }>;

// One POST per token for the page's lifetime: a link works once, so React StrictMode's
// second effect run, or the page mounting again, must reuse the first answer rather than
// send the token again (which would answer "already used"). Only a transient failure is
// forgotten, so that "Try again" sends it again.
const attempts = new Map<string, Promise<Outcome>>();

function verifyOnce(token: string): Promise<Outcome> {
  let attempt = attempts.get(token);
  if (!attempt) {
    attempt = verifyEmail(token).then(
      (): Outcome => ({ status: 'verified' }),
      (error: unknown): Outcome => {
        const { message, transient } = failureMessage(error);
        if (transient) attempts.delete(token);
        return { status: 'failed', message, retryable: transient };
      },
    );
    attempts.set(token, attempt);
  }
  return attempt;
}

/** Confirms the email address with the mailed token, once; `retry` after a transient failure. */
export function useEmailVerification(token: string) {
  const [state, setState] = useState<VerificationState>({ status: 'verifying' });
  const [round, setRound] = useState(0);

  useEffect(() => {
    let live = true;
    void verifyOnce(token).then((outcome) => {
      if (live) setState(outcome);
    });
    return () => {
      live = false;
    };
  }, [token, round]);

  const retry = useCallback(() => {
    setState({ status: 'verifying' });
    setRound((n) => n + 1);
  }, []);

  return { state, retry };
}
