import { Outlet } from 'react-router';
import { Header } from './header.tsx';

export function AppLayout() {
  return (
    <>
      <Header />
      <main style={{ padding: 24 }}>
        <Outlet />
      </main>
    </>
  );
}
