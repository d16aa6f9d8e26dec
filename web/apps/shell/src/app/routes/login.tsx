import { Link, useLocation, useNavigate } from 'react-router';
import { LoginForm } from '../../features/auth/components/login-form.tsx';

export function LoginRoute() {
  const navigate = useNavigate();
  const from = (useLocation().state as { from?: string } | null)?.from ?? '/todos';
  return (
    <section style={{ maxWidth: 360 }}>
      <h1>Sign in</h1>
      <LoginForm onSignedIn={() => void navigate(from, { replace: true })} />
      <p>
        No account yet? <Link to="/signup">Sign up</Link>
      </p>
    </section>
  );
}
