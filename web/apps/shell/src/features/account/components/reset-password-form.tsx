import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { Alert } from '@fedstack/ui/alert';
import { Button } from '@fedstack/ui/button';
import { TextField } from '@fedstack/ui/text-field';
import { useAuthStore } from '../../../lib/auth-store.ts';
import { useSessionManager } from '../../../lib/session-context.ts';
import { resetPassword } from '../api/account-api.ts';
import { useLinkToken } from '../hooks/use-link-token.ts';
import { failureMessage } from '../utils/failure-message.ts';
import { validateNewPassword, type FieldErrors, type NewPasswordValues } from '../utils/validate.ts';

const missingToken = 'This link is incomplete. Open the link from the email again, or copy all of it into the address bar.';

function LinkProblem({ message }: { message: string }) {
  return (
    <>
      <Alert>{message}</Alert>
      <p>
        <Link to="/forgot-password">Ask for a new link</Link>
      </p>
    </>
  );
}

/** What `/reset-password?token=…` (the link in the reset mail) shows: a new password, twice. */
export function ResetPasswordForm() {
  const token = useLinkToken();
  const manager = useSessionManager();
  const [values, setValues] = useState<NewPasswordValues>({ newPassword: '', confirmPassword: '' });
  const [errors, setErrors] = useState<FieldErrors<NewPasswordValues>>({});
  const [failure, setFailure] = useState<string>();
  const [linkFailure, setLinkFailure] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  if (!token) return <LinkProblem message={missingToken} />;
  if (linkFailure) return <LinkProblem message={linkFailure} />;
  if (done) {
    return (
      <>
        <Alert tone="info">Password changed — sign in with your new password.</Alert>
        <p>
          <Link to="/login">Sign in</Link>
        </p>
      </>
    );
  }

  const field = (key: keyof NewPasswordValues) => ({
    name: key,
    value: values[key],
    error: errors[key],
    onChange: (e: { target: { value: string } }) => setValues((v) => ({ ...v, [key]: e.target.value })),
  });

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy || !token) return;
    const found = validateNewPassword(values);
    setErrors(found);
    setFailure(undefined);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      await resetPassword(token, values.newPassword);
    } catch (error) {
      const { message, field: about } = failureMessage(error);
      if (about === 'newPassword') setErrors({ newPassword: message });
      else if (about === 'token') setLinkFailure(message);
      else setFailure(message);
      setBusy(false);
      return;
    }
    // The server ended every session of the account and cleared this browser's refresh
    // cookie: a session this tab still holds is over, here and in the user's other tabs.
    if (useAuthStore.getState().session) {
      await manager.logout('THIS_SESSION').catch(() => undefined);
    }
    setBusy(false);
    setDone(true);
  }

  return (
    <form onSubmit={submit} aria-label="Choose a new password" noValidate>
      <TextField label="New password" type="password" autoComplete="new-password" {...field('newPassword')} />
      <TextField label="Confirm new password" type="password" autoComplete="new-password" {...field('confirmPassword')} />
      {failure ? <Alert>{failure}</Alert> : null}
      <Button type="submit" disabled={busy}>
        {busy ? 'Changing password…' : 'Change password'}
      </Button>
    </form>
  );
}
