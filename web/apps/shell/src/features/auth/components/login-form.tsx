import { useState, type FormEvent } from 'react';
import { Alert } from '@fedstack/ui/alert';
import { Button } from '@fedstack/ui/button';
import { TextField } from '@fedstack/ui/text-field';
import type { Session } from '../../../lib/auth-api.ts';
import { useSignIn } from '../hooks/use-sign-in.ts';
import { validateLogin, type FieldErrors, type LoginValues } from '../utils/validate.ts';

export interface LoginFormProps {
  onSignedIn(session: Session): void;
}

export function LoginForm({ onSignedIn }: LoginFormProps) {
  const { login, busy } = useSignIn();
  const [values, setValues] = useState<LoginValues>({ email: '', password: '' });
  const [errors, setErrors] = useState<FieldErrors<LoginValues>>({});
  const [failure, setFailure] = useState<string>();

  const field = (key: keyof LoginValues) => ({
    name: key,
    value: values[key],
    error: errors[key],
    onChange: (e: { target: { value: string } }) => setValues((v) => ({ ...v, [key]: e.target.value })),
  });

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = validateLogin(values);
    setErrors(found);
    setFailure(undefined);
    if (Object.keys(found).length > 0) return;
    const result = await login({ email: values.email.trim(), password: values.password });
    if (result.session) onSignedIn(result.session);
    else if (result.field && result.field in values) setErrors({ [result.field]: result.error });
    else setFailure(result.error);
  }

  return (
    <form onSubmit={submit} aria-label="Sign in" noValidate>
      <TextField label="Email" type="email" autoComplete="email" {...field('email')} />
      <TextField label="Password" type="password" autoComplete="current-password" {...field('password')} />
      {failure ? <Alert>{failure}</Alert> : null}
      <Button type="submit" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </Button>
    </form>
  );
}
