import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StrictMode, type ReactNode } from 'react';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useAuthStore } from '../../../lib/auth-store.ts';
import { resetSessions, sessionHarness } from '../../../testing/session-harness.tsx';
import { json, refused, stubFetch, type Answer } from '../testing/stub-fetch.ts';
import { ResetPasswordForm } from './reset-password-form.tsx';

const invalidLink = 'this link is not valid: it was already used, has expired, or was replaced by a newer one';
const tooCommon = 'this password is too common; choose one that is harder to guess';
const token = 'Zm9vYmFyLWJhei1xdXV4LTAxMjM0NTY3ODktYWJjZGU'; // 43 characters

/**
 * The page at /reset-password?token=… with the real browser history, in StrictMode; the
 * account routes answered by `answer`, the session ones by the harness's fake auth server.
 */
function openResetLink(answer: Answer, address = `/reset-password?token=${token}`) {
  const harness = sessionHarness();
  const server = stubFetch(answer);
  window.history.replaceState(null, '', address);
  const router = createBrowserRouter([
    { path: '/reset-password', element: <ResetPasswordForm /> },
    { path: '/login', element: <p>Sign-in page</p> },
    { path: '/forgot-password', element: <p>Forgot-password page</p> },
  ]);
  const wrap = (ui: ReactNode) => <StrictMode>{harness.wrap(ui)}</StrictMode>;
  render(wrap(<RouterProvider router={router} />));
  return { ...harness, account: server, user: userEvent.setup() };
}

async function choose(user: ReturnType<typeof userEvent.setup>, password: string, confirm = password) {
  await user.clear(screen.getByLabelText('New password'));
  await user.type(screen.getByLabelText('New password'), password);
  await user.clear(screen.getByLabelText('Confirm new password'));
  await user.type(screen.getByLabelText('Confirm new password'), confirm);
  await user.click(screen.getByRole('button', { name: 'Change password' }));
}

afterEach(() => {
  vi.unstubAllGlobals();
  resetSessions();
  window.history.replaceState(null, '', '/');
});

describe('ResetPasswordForm', () => {
  it('takes the token out of the address bar and checks the two passwords before calling the server', async () => {
    const { user, account } = openResetLink(() => json(200, { reset: true }));
    expect(window.location.search).toBe('');
    expect(window.location.href).not.toContain(token);

    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect(screen.getByLabelText('New password')).toHaveAccessibleDescription('Use at least 8 characters.');
    expect(screen.getByLabelText('Confirm new password')).toHaveAccessibleDescription('Type the new password again.');

    await choose(user, 'short');
    expect(screen.getByLabelText('New password')).toHaveAccessibleDescription('Use at least 8 characters.');

    await choose(user, 'x'.repeat(129));
    expect(screen.getByLabelText('New password')).toHaveAccessibleDescription('Use at most 128 characters.');

    await choose(user, 'correct horse battery', 'correct horse batterx');
    expect(screen.getByLabelText('New password')).not.toHaveAttribute('aria-invalid');
    expect(screen.getByLabelText('Confirm new password')).toHaveAccessibleDescription('The two passwords do not match.');

    // 8 characters counted as the server counts them (code points), not UTF-16 units
    await choose(user, '🔑🔑🔑🔑🔑🔑🔑', '🔑🔑🔑🔑🔑🔑🔑');
    expect(screen.getByLabelText('New password')).toHaveAccessibleDescription('Use at least 8 characters.');

    expect(account.calls).toHaveLength(0);
  });

  it('sets the new password with POST /api/auth/password-reset and sends the user to sign in', async () => {
    const { user, account, server } = openResetLink(() => json(200, { reset: true }));
    await choose(user, 'a much better passphrase');

    expect(await screen.findByText('Password changed — sign in with your new password.')).toBeInTheDocument();
    const [call, ...more] = account.calls;
    expect(more).toHaveLength(0);
    expect(call?.path).toBe('/api/auth/password-reset');
    expect(call?.method).toBe('POST');
    expect(call?.headers.get('content-type')).toBe('application/json');
    expect(call?.body).toEqual({ token, newPassword: 'a much better passphrase' });
    expect(screen.queryByLabelText('New password')).not.toBeInTheDocument();
    expect(server.callsTo('/api/auth/logout')).toHaveLength(0); // nobody was signed in here

    await user.click(screen.getByRole('link', { name: 'Sign in' }));
    expect(await screen.findByText('Sign-in page')).toBeInTheDocument();
  });

  it('shows a refused password on the field and lets the user choose another with the same link', async () => {
    let answers = 0;
    const { user, account } = openResetLink(() =>
      ++answers === 1 ? refused(400, 'INVALID', tooCommon, 'newPassword') : json(200, { reset: true }),
    );
    await choose(user, 'password123');
    expect(await screen.findByText(tooCommon)).toBeInTheDocument();
    expect(screen.getByLabelText('New password')).toHaveAccessibleDescription(tooCommon);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();

    await choose(user, 'a much better passphrase');
    expect(await screen.findByText('Password changed — sign in with your new password.')).toBeInTheDocument();
    expect(account.calls.map((c) => c.body)).toEqual([
      { token, newPassword: 'password123' },
      { token, newPassword: 'a much better passphrase' },
    ]);
  });

  it('says when the link is no longer valid and offers a new one', async () => {
    const { user } = openResetLink(() => refused(400, 'INVALID', invalidLink, 'token'));
    await choose(user, 'a much better passphrase');
    expect(await screen.findByRole('alert')).toHaveTextContent(invalidLink);
    expect(screen.queryByLabelText('New password')).not.toBeInTheDocument();
    await user.click(screen.getByRole('link', { name: 'Ask for a new link' }));
    expect(await screen.findByText('Forgot-password page')).toBeInTheDocument();
  });

  it('shows other failures above the button and keeps the form', async () => {
    const { user } = openResetLink(() => {
      throw new TypeError('Failed to fetch');
    });
    await choose(user, 'a much better passphrase');
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not reach the server. Check your connection and try again.');
    expect(screen.getByLabelText('New password')).toHaveValue('a much better passphrase');
  });

  it('signs this tab out when it held a session (the server ended them all)', async () => {
    const { user, server, manager } = openResetLink(() => json(200, { reset: true }));
    server.seedSignedIn('Ada Lovelace', 'ada@example.com');
    await manager.restore();
    expect(useAuthStore.getState().session).not.toBeNull();

    await choose(user, 'a much better passphrase');
    expect(await screen.findByText('Password changed — sign in with your new password.')).toBeInTheDocument();
    expect(useAuthStore.getState().session).toBeNull();
    expect(server.callsTo('/api/auth/logout')).toHaveLength(1);
  });

  it('says the link is incomplete when it has no token', () => {
    const { account } = openResetLink(() => json(200, { reset: true }), '/reset-password');
    expect(screen.getByRole('alert')).toHaveTextContent('This link is incomplete.');
    expect(screen.getByRole('link', { name: 'Ask for a new link' })).toHaveAttribute('href', '/forgot-password');
    expect(screen.queryByLabelText('New password')).not.toBeInTheDocument();
    expect(account.calls).toHaveLength(0);
  });
});
