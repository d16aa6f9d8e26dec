import { Link, useNavigate } from 'react-router';
import { Button } from '@fedstack/ui/button';
import { useAuthStore } from '../../lib/auth-store.ts';

export function Header() {
  const session = useAuthStore((s) => s.session);
  const signOut = useAuthStore((s) => s.signOut);
  const navigate = useNavigate();
  return (
    <header
      style={{
        display: 'flex',
        alignItems: 'center',
        gap: 16,
        padding: '12px 24px',
        borderBottom: '1px solid #e5e7eb',
        background: '#f9fafb',
      }}
    >
      <Link to="/" style={{ fontWeight: 700, color: 'inherit', textDecoration: 'none' }}>
        fedstack
      </Link>
      <nav aria-label="Main" style={{ display: 'flex', gap: 12, flex: 1 }}>
        {session ? <Link to="/todos">Todos</Link> : null}
      </nav>
      {session ? (
        <>
          <span data-testid="signed-in-user">
            Signed in as <strong>{session.user.name}</strong>
          </span>
          <Button
            variant="secondary"
            onClick={() => {
              signOut();
              void navigate('/login');
            }}
          >
            Sign out
          </Button>
        </>
      ) : (
        <>
          <Link to="/login">Sign in</Link>
          <Link to="/signup">Sign up</Link>
        </>
      )}
    </header>
  );
}
