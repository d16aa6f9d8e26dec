import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { Button } from '@fedstack/ui/button';
import { useAuthStore } from '../../lib/auth-store.ts';
import { useSessionManager } from '../../lib/session-context.ts';

export function Header() {
  const session = useAuthStore((s) => s.session);
  const restoring = useAuthStore((s) => s.status === 'restoring');
  const manager = useSessionManager();
  const navigate = useNavigate();
  const [signingOut, setSigningOut] = useState(false);

  async function signOut() {
    setSigningOut(true);
    try {
      const { serverReached } = await manager.logout('THIS_SESSION');
      if (!serverReached) console.warn('[shell] sign-out: the server did not answer; this tab is signed out anyway');
    } finally {
      setSigningOut(false);
    }
    void navigate('/login');
  }

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
        {session ? (
          <>
            <Link to="/todos">Todos</Link>
            <Link to="/ai">Assistant</Link>
          </>
        ) : null}
      </nav>
      {restoring ? null : session ? (
        <>
          <span data-testid="signed-in-user">
            Signed in as <strong>{session.user.name}</strong>
          </span>
          <Button variant="secondary" disabled={signingOut} onClick={() => void signOut()}>
            {signingOut ? 'Signing out…' : 'Sign out'}
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
