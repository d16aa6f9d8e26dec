import { Outlet } from 'react-router';
import { Spinner } from '@fedstack/ui/spinner';
import { useAuthStore } from '../../lib/auth-store.ts';
import { Header } from './header.tsx';
import { RestoreNotice } from './restore-notice.tsx';

export function AppLayout() {
  const restoring = useAuthStore((s) => s.status === 'restoring');
  return (
    <>
      <Header />
      <main style={{ padding: 24 }}>
        {/* Until the start-up refresh answers, neither the app nor the sign-in page. */}
        {restoring ? (
          <Spinner label="Loading…" />
        ) : (
          <>
            <RestoreNotice />
            <Outlet />
          </>
        )}
      </main>
    </>
  );
}
