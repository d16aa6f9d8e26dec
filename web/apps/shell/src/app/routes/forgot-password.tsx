import { ForgotPasswordForm } from '../../features/account/components/forgot-password-form.tsx';

/** Asks for a password reset link (linked from the sign-in page). */
export function ForgotPasswordRoute() {
  return (
    <section style={{ maxWidth: 360 }}>
      <h1>Reset your password</h1>
      <ForgotPasswordForm />
    </section>
  );
}
