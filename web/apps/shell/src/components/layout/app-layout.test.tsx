import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactNode } from 'react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import { HomeRoute } from '../../app/routes/home.tsx';
import { LoginRoute } from '../../app/routes/login.tsx';
import { resetSessions, sessionHarness } from '../../testing/session-harness.tsx';
import { AppLayout } from './app-layout.tsx';
import { RequireSession } from './require-session.tsx';

// The start of the app: one refresh from the cookie decides between the app and the
// sign-in page, and until it answers the user sees neither.

function renderApp(path: string, wrap: (ui: ReactNode) => ReactNode) {
  const router = createMemoryRouter(
    [
      {
        element: <AppLayout />,
        children: [
          { index: true, element: <HomeRoute /> },
          { path: 'login', element: <LoginRoute /> },
          {
            path: 'todos',
            element: (
              <RequireSession>
                <p>Todos page</p>
              </RequireSession>
            ),
          },
        ],
      },
    ],
    { initialEntries: [path] },
  );
  render(wrap(<RouterProvider router={router} />));
  return router;
}

afterEach(() => resetSessions());

describe('AppLayout at start-up', () => {
  it('shows a neutral loading state while the refresh is pending, then the app when it succeeds', async () => {
    resetSessions('restoring');
    const { server, manager, wrap } = sessionHarness();
    server.seedSignedIn('Ada Lovelace');
    const release = server.hold();
    const restored = manager.restore();
    const router = renderApp('/todos', wrap);

    expect(screen.getByRole('status')).toHaveTextContent('Loading…');
    expect(screen.queryByRole('heading', { name: 'Sign in' })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Sign in' })).not.toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/todos');

    release();
    await restored;
    expect(await screen.findByText('Todos page')).toBeInTheDocument();
    expect(screen.getByTestId('signed-in-user')).toHaveTextContent('Ada Lovelace');
    expect(router.state.location.pathname).toBe('/todos');
    expect(server.callsTo('/api/auth/refresh')).toHaveLength(1);
  });

  it('shows the sign-in page when the refresh is refused (401)', async () => {
    resetSessions('restoring');
    const { server, manager, wrap } = sessionHarness();
    const router = renderApp('/todos', wrap);
    expect(screen.getByRole('status')).toHaveTextContent('Loading…');
    await manager.restore();
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
    expect(server.callsTo('/api/auth/refresh')).toHaveLength(1);
  });

  it('offers to check again when the server did not answer, and signs in when it does', async () => {
    resetSessions('restoring');
    const { server, manager, wrap } = sessionHarness();
    server.seedSignedIn('Ada Lovelace');
    server.down = true;
    renderApp('/', wrap);
    await manager.restore();
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.getByText('Your session could not be checked: the server did not answer.')).toBeInTheDocument();

    server.down = false;
    await userEvent.setup().click(screen.getByRole('button', { name: 'Check again' }));
    expect(await screen.findByText('Todos page')).toBeInTheDocument();
    expect(screen.queryByText(/could not be checked/)).not.toBeInTheDocument();
  });

  it('leaves the sign-in page for where the user was going once signed in elsewhere', async () => {
    const { server, manager, wrap } = sessionHarness();
    const router = renderApp('/todos', wrap);
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    // e.g. another tab signed in and this one picked the session up
    server.seedSignedIn();
    await manager.refresh();
    expect(await screen.findByText('Todos page')).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/todos');
  });
});
