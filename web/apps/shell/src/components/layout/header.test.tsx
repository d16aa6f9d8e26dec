import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import { useAuthStore } from '../../lib/auth-store.ts';
import { Header } from './header.tsx';

function renderAt(path: string) {
  const router = createMemoryRouter(
    [
      { path: '/todos', element: <Header /> },
      { path: '/login', element: <p>Sign-in page</p> },
    ],
    { initialEntries: [path] },
  );
  render(<RouterProvider router={router} />);
  return router;
}

afterEach(() => useAuthStore.setState({ session: null }));

describe('Header', () => {
  it('shows the signed-in user and signs out', async () => {
    useAuthStore.getState().signIn({
      accessToken: 't',
      expiresAt: '2026-11-29T07:00:00Z',
      user: { id: 'u1', name: 'Ada Lovelace', email: 'ada@example.com' },
    });
    const router = renderAt('/todos');
    expect(screen.getByTestId('signed-in-user')).toHaveTextContent('Signed in as Ada Lovelace');

    await userEvent.setup().click(screen.getByRole('button', { name: 'Sign out' }));
    expect(useAuthStore.getState().session).toBeNull();
    expect(await screen.findByText('Sign-in page')).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
  });

  it('offers sign-in and sign-up when signed out', () => {
    renderAt('/todos');
    expect(screen.getByRole('link', { name: 'Sign in' })).toHaveAttribute('href', '/login');
    expect(screen.getByRole('link', { name: 'Sign up' })).toHaveAttribute('href', '/signup');
  });
});
