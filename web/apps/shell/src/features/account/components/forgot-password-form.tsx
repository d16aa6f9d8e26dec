import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { Alert } from '@fedstack/ui/alert';
import { Button } from '@fedstack/ui/button';
import { TextField } from '@fedstack/ui/text-field';
import { requestPasswordReset } from '../api/account-api.ts';
import { failureMessage } from '../utils/failure-message.ts';
import { validateForgotPassword, type FieldErrors, type ForgotPasswordValues } from '../utils/validate.ts';

/**
 * Asks for a password reset link. The answer never says whether an account uses the
 * address, and neither does this form.
 */
export function ForgotPasswordForm() {
  const [values, setValues] = useState<ForgotPasswordValues>({ email: '' });
  const [errors, setErrors] = useState<FieldErrors<ForgotPasswordValues>>({});
  const [failure, setFailure] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [sentTo, setSentTo] = useState<string>();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const found = validateForgotPassword(values);
    setErrors(found);
    setFailure(undefined);
    if (Object.keys(found).length > 0) return;
    const email = values.email.trim();
    setBusy(true);
    try {
      await requestPasswordReset(email);
      setSentTo(email);
    } catch (error) {
      const { message, field } = failureMessage(error);
      if (field === 'email') setErrors({ email: message });
      else setFailure(message);
    } finally {
      setBusy(false);
    }
  }

  if (sentTo !== undefined) {
    return (
      <>
        <Alert tone="info">If an account uses this address, a reset link is on its way.</Alert>
        <p>
          Look for it at <strong>{sentTo}</strong>; its link works once. Nothing after a few minutes? Check the spam
          folder, and that this is the address of your account.
        </p>
        <p>
          <Link to="/login">Back to sign in</Link>
        </p>
      </>
    );
  }

  return (
    <form onSubmit={submit} aria-label="Reset your password" noValidate>
      <p>Enter the email address of your account and we will send you a link to choose a new password.</p>
      <TextField
        label="Email"
        type="email"
        autoComplete="email"
        name="email"
        value={values.email}
        error={errors.email}
        onChange={(e) => setValues({ email: e.target.value })}
      />
      {failure ? <Alert>{failure}</Alert> : null}
      <Button type="submit" disabled={busy}>
        {busy ? 'Sending…' : 'Send reset link'}
      </Button>
      <p>
        <Link to="/login">Back to sign in</Link>
      </p>
    </form>
  );
}
