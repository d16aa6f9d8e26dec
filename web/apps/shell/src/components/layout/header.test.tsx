import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactNode } from 'react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useAuthStore } from '../../lib/auth-store.ts';
import { resetSessions, sessionHarness } from '../../testing/session-harness.tsx';
import { Header } from './header.tsx';

function renderAt(path: string, wrap: (ui: ReactNode) => ReactNode) {
  const router = createMemoryRouter(
    [
      { path: '/todos', element: <Header /> },
      { path: '/login', element: <p>Sign-in page</p> },
    ],
    { initialEntries: [path] },
  );
  render(wrap(<RouterProvider router={router} />));
  return router;
}

beforeEach(() => resetSessions());
afterEach(() => resetSessions());

describe('Header', () => {
  it('shows the signed-in user and signs out through the REST logout', async () => {
    const { server, manager, wrap } = sessionHarness();
    server.seedSignedIn('Ada Lovelace');
    await manager.restore();
    const token = useAuthStore.getState().session!.accessToken;
    const router = renderAt('/todos', wrap);
    expect(screen.getByTestId('signed-in-user')).toHaveTextContent('Signed in as Ada Lovelace');
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getAllByRole('link').map((a) => [a.textContent, a.getAttribute('href')])).toEqual([
      ['Todos', '/todos'],
      ['Assistant', '/ai'],
    ]);

    await userEvent.setup().click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByText('Sign-in page')).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
    expect(useAuthStore.getState().session).toBeNull();
    const [logout] = server.callsTo('/api/auth/logout');
    expect(logout?.body).toEqual({ scope: 'THIS_SESSION' });
    expect(logout?.headers.get('authorization')).toBe(`Bearer ${token}`);
    expect(server.cookie).toBeNull();
  });

  it('offers sign-in and sign-up when signed out', () => {
    const { wrap } = sessionHarness();
    renderAt('/todos', wrap);
    expect(screen.getByRole('link', { name: 'Sign in' })).toHaveAttribute('href', '/login');
    expect(screen.getByRole('link', { name: 'Sign up' })).toHaveAttribute('href', '/signup');
    expect(screen.queryByRole('link', { name: 'Assistant' })).not.toBeInTheDocument();
  });

  it('shows neither while the session is being restored', () => {
    resetSessions('restoring');
    const { wrap } = sessionHarness();
    renderAt('/todos', wrap);
    expect(screen.queryByRole('link', { name: 'Sign in' })).not.toBeInTheDocument();
    expect(screen.queryByTestId('signed-in-user')).not.toBeInTheDocument();
  });
});
