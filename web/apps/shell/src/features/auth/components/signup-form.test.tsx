import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useAuthStore } from '../../../lib/auth-store.ts';
import { resetSessions, sessionHarness } from '../../../testing/session-harness.tsx';
import { SignupForm } from './signup-form.tsx';

function renderForm() {
  const harness = sessionHarness();
  const onSignedIn = vi.fn();
  render(harness.wrap(<SignupForm onSignedIn={onSignedIn} />));
  return { ...harness, onSignedIn, user: userEvent.setup() };
}

afterEach(() => resetSessions());

async function fillAndSubmit(user: ReturnType<typeof userEvent.setup>, name: string, email: string, password: string) {
  await user.type(screen.getByLabelText('Name'), name);
  await user.type(screen.getByLabelText('Email'), email);
  await user.type(screen.getByLabelText('Password'), password);
  await user.click(screen.getByRole('button', { name: 'Create account' }));
}

describe('SignupForm', () => {
  it('shows what is wrong with each field and does not call the server', async () => {
    const { user, server } = renderForm();

    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(screen.getByLabelText('Name')).toHaveAccessibleDescription('Enter your name.');
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('Enter your email address.');
    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription('Use at least 8 characters.');

    await user.type(screen.getByLabelText('Name'), 'Ada');
    await user.type(screen.getByLabelText('Email'), 'not-an-email');
    await user.type(screen.getByLabelText('Password'), 'short');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(screen.getByLabelText('Name')).not.toHaveAttribute('aria-invalid');
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('Enter a valid email address.');
    expect(screen.getByLabelText('Password')).toHaveAttribute('aria-invalid', 'true');

    expect(server.calls).toHaveLength(0);
  });

  it('signs up through POST /api/auth/signup, keeps the token in memory only and hands the session on', async () => {
    const { user, server, onSignedIn } = renderForm();
    await fillAndSubmit(user, '  Ada Lovelace ', 'ada@example.com ', 'correct horse');

    const [call, ...more] = server.calls;
    expect(more).toHaveLength(0);
    expect(call?.path).toBe('/api/auth/signup');
    expect(call?.method).toBe('POST');
    expect(call?.headers.get('content-type')).toBe('application/json');
    expect(call?.body).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com', password: 'correct horse' });

    const session = useAuthStore.getState().session;
    expect(session?.user).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(onSignedIn).toHaveBeenCalledWith(session);
    expect(server.cookie).not.toBeNull(); // the HttpOnly refresh cookie, in the browser's jar
    expect(window.localStorage.length).toBe(0);
    expect(window.sessionStorage.length).toBe(0);
    expect(document.cookie).toBe('');
  });

  it('shows the server\'s reason next to the field it names', async () => {
    const { user, server, onSignedIn } = renderForm();
    server.seedSignedIn('Ada', 'ada@example.com');
    server.cookie = null;
    await fillAndSubmit(user, 'Ada', 'ada@example.com', 'correct horse');

    expect(await screen.findByText('an account with this email already exists: sign in instead')).toBeInTheDocument();
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('an account with this email already exists: sign in instead');
    expect(onSignedIn).not.toHaveBeenCalled();
    expect(useAuthStore.getState().session).toBeNull();
  });

  it('says when to try again after too many attempts', async () => {
    const { user, server } = renderForm();
    server.answerNext(() =>
      server.refused(429, 'RATE_LIMITED', 'Too many sign-ups from this address.', {}, { 'retry-after': '30' }),
    );
    await fillAndSubmit(user, 'Ada', 'ada@example.com', 'correct horse');
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many sign-ups from this address. Try again in 30 seconds.');
  });

  it('says so when the server cannot be reached', async () => {
    const { user, server } = renderForm();
    server.down = true;
    await fillAndSubmit(user, 'Ada', 'ada@example.com', 'correct horse');
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not reach the server. Check your connection and try again.');
  });
});
