import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useAuthStore } from '../../../lib/auth-store.ts';
import { resetSessions, sessionHarness } from '../../../testing/session-harness.tsx';
import { LoginForm } from './login-form.tsx';

function renderForm() {
  const harness = sessionHarness();
  const { user } = harness.server.seedSignedIn('Ada Lovelace', 'ada@example.com');
  harness.server.cookie = null; // a browser that has never signed in
  const onSignedIn = vi.fn();
  render(harness.wrap(<LoginForm onSignedIn={onSignedIn} />));
  return { ...harness, account: user, onSignedIn, user: userEvent.setup() };
}

afterEach(() => resetSessions());

describe('LoginForm', () => {
  it('asks for both fields before calling the server', async () => {
    const { user, server } = renderForm();
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('Enter your email address.');
    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription('Enter your password.');
    expect(server.calls).toHaveLength(0);
  });

  it('signs in through POST /api/auth/login', async () => {
    const { user, server, onSignedIn, account } = renderForm();
    await user.type(screen.getByLabelText('Email'), ' ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    const [call] = server.callsTo('/api/auth/login');
    expect(call?.body).toEqual({ email: 'ada@example.com', password: 'correct horse' });
    expect(call?.headers.get('content-type')).toBe('application/json');
    expect(useAuthStore.getState().session?.user.id).toBe(account.id);
    expect(onSignedIn).toHaveBeenCalledTimes(1);
    expect(server.cookie).not.toBeNull();
    expect(window.localStorage.length + window.sessionStorage.length).toBe(0);
  });

  it('shows the server\'s reason for a wrong password', async () => {
    const { user, onSignedIn } = renderForm();
    await user.type(screen.getByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'wrong password');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('wrong email or password');
    expect(onSignedIn).not.toHaveBeenCalled();
    expect(useAuthStore.getState().session).toBeNull();
  });
});
