import { useState, type FormEvent } from 'react';
import { Alert } from '@fedstack/ui/alert';
import { Button } from '@fedstack/ui/button';
import { TextField } from '@fedstack/ui/text-field';
import type { Session } from '../../../lib/auth-api.ts';
import { useSignIn } from '../hooks/use-sign-in.ts';
import { validateSignup, type FieldErrors, type SignupValues } from '../utils/validate.ts';

export interface SignupFormProps {
  onSignedIn(session: Session): void;
}

export function SignupForm({ onSignedIn }: SignupFormProps) {
  const { signup, busy } = useSignIn();
  const [values, setValues] = useState<SignupValues>({ name: '', email: '', password: '' });
  const [errors, setErrors] = useState<FieldErrors<SignupValues>>({});
  const [failure, setFailure] = useState<string>();

  const field = (key: keyof SignupValues) => ({
    name: key,
    value: values[key],
    error: errors[key],
    onChange: (e: { target: { value: string } }) => setValues((v) => ({ ...v, [key]: e.target.value })),
  });

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = validateSignup(values);
    setErrors(found);
    setFailure(undefined);
    if (Object.keys(found).length > 0) return;
    const result = await signup({ name: values.name.trim(), email: values.email.trim(), password: values.password });
    if (result.session) onSignedIn(result.session);
    else if (result.field && result.field in values) setErrors({ [result.field]: result.error });
    else setFailure(result.error);
  }

  return (
    <form onSubmit={submit} aria-label="Sign up" noValidate>
      <TextField label="Name" autoComplete="name" {...field('name')} />
      <TextField label="Email" type="email" autoComplete="email" {...field('email')} />
      <TextField label="Password" type="password" autoComplete="new-password" {...field('password')} />
      {failure ? <Alert>{failure}</Alert> : null}
      <Button type="submit" disabled={busy}>
        {busy ? 'Creating account…' : 'Create account'}
      </Button>
    </form>
  );
}
