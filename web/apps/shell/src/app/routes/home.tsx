import { Navigate } from 'react-router';
import { useAuthStore } from '../../lib/auth-store.ts';

export function HomeRoute() {
  const session = useAuthStore((s) => s.session);
  return <Navigate to={session ? '/todos' : '/login'} replace />;
}
