import { Link } from 'react-router';
import { Alert } from '@fedstack/ui/alert';
import { Button } from '@fedstack/ui/button';
import { Spinner } from '@fedstack/ui/spinner';
import { useEmailVerification } from '../hooks/use-email-verification.ts';
import { useLinkToken } from '../hooks/use-link-token.ts';

const missingToken = 'This link is incomplete. Open the link from the email again, or copy all of it into the address bar.';

/** What `/verify-email?token=…` (the link in the verification mail) shows. */
export function VerifyEmail() {
  const token = useLinkToken();
  return (
    <>
      {token ? <Verification token={token} /> : <Alert>{missingToken}</Alert>}
      <p>
        <Link to="/">Go home</Link>
      </p>
    </>
  );
}

function Verification({ token }: { token: string }) {
  const { state, retry } = useEmailVerification(token);
  switch (state.status) {
    case 'verifying':
      return <Spinner label="Confirming your email address…" />;
    case 'verified':
      return <Alert tone="info">Your email address is verified.</Alert>;
    case 'failed':
      return (
        <>
          <Alert>{state.message}</Alert>
          {state.retryable ? (
            <Button variant="secondary" onClick={retry}>
              Try again
            </Button>
          ) : null}
        </>
      );
  }
}
