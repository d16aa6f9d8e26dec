import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Provider, type Client } from 'urql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromValue } from 'wonka';
import { useAuthStore } from '../../../lib/auth-store.ts';
import { SignupForm } from './signup-form.tsx';

type Op = { variables: Record<string, unknown>; query: { definitions: Array<{ name?: { value: string } }> } };

function clientAnswering(answer: (op: Op) => object) {
  const executeMutation = vi.fn((op: Op) => fromValue({ operation: op, stale: false, hasNext: false, ...answer(op) }));
  return { client: { executeMutation } as unknown as Client, executeMutation };
}

const session = {
  accessToken: 'access-token',
  expiresAt: '2026-11-29T07:00:00Z',
  user: { id: 'u1', name: 'Ada Lovelace', email: 'ada@example.com' },
};

function renderForm(client: Client) {
  const onSignedIn = vi.fn();
  render(
    <Provider value={client}>
      <SignupForm onSignedIn={onSignedIn} />
    </Provider>,
  );
  return { onSignedIn, user: userEvent.setup() };
}

afterEach(() => useAuthStore.setState({ session: null }));

describe('SignupForm', () => {
  it('shows what is wrong with each field and does not call the server', async () => {
    const { client, executeMutation } = clientAnswering(() => ({}));
    const { user } = renderForm(client);

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

    expect(executeMutation).not.toHaveBeenCalled();
  });

  it('signs up, keeps the session in memory and hands it on', async () => {
    const { client, executeMutation } = clientAnswering(() => ({ data: { signup: session } }));
    const { user, onSignedIn } = renderForm(client);

    await user.type(screen.getByLabelText('Name'), '  Ada Lovelace ');
    await user.type(screen.getByLabelText('Email'), 'ada@example.com ');
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Create account' }));

    expect(executeMutation).toHaveBeenCalledTimes(1);
    const op = executeMutation.mock.calls[0]![0];
    expect(op.query.definitions[0]?.name?.value).toBe('Signup');
    expect(op.variables).toEqual({ input: { name: 'Ada Lovelace', email: 'ada@example.com', password: 'correct horse' } });
    expect(onSignedIn).toHaveBeenCalledWith(session);
    expect(useAuthStore.getState().session).toEqual(session);
    expect(window.localStorage.length).toBe(0);
    expect(window.sessionStorage.length).toBe(0);
  });

  it('shows the server\'s reason when sign-up is refused', async () => {
    const { CombinedError } = await import('urql');
    const { client } = clientAnswering(() => ({
      error: new CombinedError({ graphQLErrors: [{ message: 'email already registered', extensions: { code: 'CONFLICT' } }] }),
    }));
    const { user, onSignedIn } = renderForm(client);

    await user.type(screen.getByLabelText('Name'), 'Ada');
    await user.type(screen.getByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Create account' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('email already registered');
    expect(onSignedIn).not.toHaveBeenCalled();
    expect(useAuthStore.getState().session).toBeNull();
  });
});
