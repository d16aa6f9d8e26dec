import { ResetPasswordForm } from '../../features/account/components/reset-password-form.tsx';

/** The link in the password reset mail: `/reset-password?token=…`. */
export function ResetPasswordRoute() {
  return (
    <section style={{ maxWidth: 360 }}>
      <h1>Choose a new password</h1>
      <ResetPasswordForm />
    </section>
  );
}
