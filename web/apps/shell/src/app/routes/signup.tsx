import { Link, Navigate, useNavigate } from 'react-router';
import { SignupForm } from '../../features/auth/components/signup-form.tsx';
import { useAuthStore } from '../../lib/auth-store.ts';

export function SignupRoute() {
  const navigate = useNavigate();
  const signedIn = useAuthStore((s) => s.session !== null);
  if (signedIn) return <Navigate to="/todos" replace />;
  return (
    <section style={{ maxWidth: 360 }}>
      <h1>Create an account</h1>
      <SignupForm onSignedIn={() => void navigate('/todos', { replace: true })} />
      <p>
        Already have an account? <Link to="/login">Sign in</Link>
      </p>
    </section>
  );
}
