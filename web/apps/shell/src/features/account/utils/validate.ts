export type FieldErrors<T> = Partial<Record<keyof T, string>>;

export interface ForgotPasswordValues {
  email: string;
}

export interface NewPasswordValues {
  newPassword: string;
  confirmPassword: string;
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The same rules the auth subgraph enforces, checked before calling it. */
export function validateForgotPassword(values: ForgotPasswordValues): FieldErrors<ForgotPasswordValues> {
  const email = values.email.trim();
  if (!email) return { email: 'Enter your email address.' };
  if (!emailPattern.test(email)) return { email: 'Enter a valid email address.' };
  return {};
}

/** 8 to 128 characters (counted as the server does, by code point), typed the same twice. */
export function validateNewPassword(values: NewPasswordValues): FieldErrors<NewPasswordValues> {
  const errors: FieldErrors<NewPasswordValues> = {};
  const length = Array.from(values.newPassword).length;
  if (length < 8) errors.newPassword = 'Use at least 8 characters.';
  else if (length > 128) errors.newPassword = 'Use at most 128 characters.';
  if (!values.confirmPassword) errors.confirmPassword = 'Type the new password again.';
  else if (values.confirmPassword !== values.newPassword) errors.confirmPassword = 'The two passwords do not match.';
  return errors;
}
