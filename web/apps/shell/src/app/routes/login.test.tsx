import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import { resetSessions, sessionHarness } from '../../testing/session-harness.tsx';
import { ForgotPasswordRoute } from './forgot-password.tsx';
import { LoginRoute } from './login.tsx';

afterEach(() => resetSessions());

describe('LoginRoute', () => {
  it('links to the forgot-password page', async () => {
    const { wrap } = sessionHarness();
    const router = createMemoryRouter(
      [
        { path: '/login', element: <LoginRoute /> },
        { path: '/forgot-password', element: <ForgotPasswordRoute /> },
      ],
      { initialEntries: ['/login'] },
    );
    render(wrap(<RouterProvider router={router} />));
    await userEvent.setup().click(screen.getByRole('link', { name: 'Forgot your password?' }));
    expect(await screen.findByRole('heading', { name: 'Reset your password' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/forgot-password');
  });
});
