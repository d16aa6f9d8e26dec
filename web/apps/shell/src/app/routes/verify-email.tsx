import { VerifyEmail } from '../../features/account/components/verify-email.tsx';

/** The link in the verification mail: `/verify-email?token=…`. */
export function VerifyEmailRoute() {
  return (
    <section style={{ maxWidth: 480 }}>
      <h1>Confirm your email address</h1>
      <VerifyEmail />
    </section>
  );
}
