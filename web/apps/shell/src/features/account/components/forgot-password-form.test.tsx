import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, refused, stubFetch, type Answer } from '../testing/stub-fetch.ts';
import { ForgotPasswordForm } from './forgot-password-form.tsx';

const sent = 'If an account uses this address, a reset link is on its way.';

function renderForm(answer: Answer) {
  const account = stubFetch(answer);
  const router = createMemoryRouter(
    [
      { path: '/forgot-password', element: <ForgotPasswordForm /> },
      { path: '/login', element: <p>Sign-in page</p> },
    ],
    { initialEntries: ['/forgot-password'] },
  );
  render(<RouterProvider router={router} />);
  return { account, user: userEvent.setup() };
}

async function ask(user: ReturnType<typeof userEvent.setup>, email: string) {
  await user.type(screen.getByLabelText('Email'), email);
  await user.click(screen.getByRole('button', { name: 'Send reset link' }));
}

afterEach(() => vi.unstubAllGlobals());

describe('ForgotPasswordForm', () => {
  it('asks for a valid address before calling the server', async () => {
    const { user, account } = renderForm(() => json(202, {}));
    await user.click(screen.getByRole('button', { name: 'Send reset link' }));
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('Enter your email address.');
    await ask(user, 'not-an-email');
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('Enter a valid email address.');
    expect(account.calls).toHaveLength(0);
  });

  it('asks for the link with POST /api/auth/password-reset/request and says the same whoever asks', async () => {
    const { user, account } = renderForm(() =>
      json(202, { message: 'if an account uses this address, a reset link is on its way' }),
    );
    await ask(user, ' ada@example.com ');

    expect(await screen.findByRole('status')).toHaveTextContent(sent);
    expect(screen.getByText('ada@example.com')).toBeInTheDocument();
    const [call, ...more] = account.calls;
    expect(more).toHaveLength(0);
    expect(call?.path).toBe('/api/auth/password-reset/request');
    expect(call?.method).toBe('POST');
    expect(call?.headers.get('content-type')).toBe('application/json');
    expect(call?.body).toEqual({ email: 'ada@example.com' });
    expect(screen.queryByLabelText('Email')).not.toBeInTheDocument();

    await user.click(screen.getByRole('link', { name: 'Back to sign in' }));
    expect(await screen.findByText('Sign-in page')).toBeInTheDocument();
  });

  it('shows the rate limit and when to try again', async () => {
    const { user } = renderForm(() =>
      refused(429, 'RATE_LIMITED', 'Too many reset requests for this address.', undefined, { 'retry-after': '30' }),
    );
    await ask(user, 'ada@example.com');
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many reset requests for this address. Try again in 30 seconds.');
    expect(screen.queryByText(sent)).not.toBeInTheDocument();
    expect(screen.getByLabelText('Email')).toHaveValue('ada@example.com');
  });

  it('shows a refused address on the field', async () => {
    const { user } = renderForm(() => refused(400, 'INVALID', 'email must be a valid address', 'email'));
    await ask(user, 'ada@example.com');
    expect(await screen.findByText('email must be a valid address')).toBeInTheDocument();
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('email must be a valid address');
  });
});
