import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { LoginForm } from '../../features/auth/components/login-form.tsx';
import { useAuthStore } from '../../lib/auth-store.ts';

export function LoginRoute() {
  const navigate = useNavigate();
  const signedIn = useAuthStore((s) => s.session !== null);
  const from = (useLocation().state as { from?: string } | null)?.from ?? '/todos';
  // Already signed in (e.g. from the refresh cookie, or in another tab): go on.
  if (signedIn) return <Navigate to={from} replace />;
  return (
    <section style={{ maxWidth: 360 }}>
      <h1>Sign in</h1>
      <LoginForm onSignedIn={() => void navigate(from, { replace: true })} />
      <p>
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
      <p>
        No account yet? <Link to="/signup">Sign up</Link>
      </p>
    </section>
  );
}
