import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StrictMode } from 'react';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, refused, stubFetch } from '../testing/stub-fetch.ts';
import { VerifyEmail } from './verify-email.tsx';

const invalidLink = 'this link is not valid: it was already used, has expired, or was replaced by a newer one';
let tokens = 0;
// 43 characters like the server's; a new one per test (a token is verified once per page)
const newToken = () => `tok${++tokens}-`.padEnd(43, 'AbCdEfGh_-0123456789');

/** The page at `address` with the real browser history (jsdom's address bar), in StrictMode. */
function openAt(address: string) {
  window.history.replaceState(null, '', address);
  return renderHere();
}

function renderHere() {
  const router = createBrowserRouter([
    { path: '/verify-email', element: <VerifyEmail /> },
    { path: '/', element: <p>Home page</p> },
  ]);
  const view = render(
    <StrictMode>
      <RouterProvider router={router} />
    </StrictMode>,
  );
  return { router, ...view };
}

afterEach(() => {
  vi.unstubAllGlobals();
  window.history.replaceState(null, '', '/');
});

describe('VerifyEmail', () => {
  it('posts the token once (even in StrictMode), says the address is verified and takes the token out of the address bar', async () => {
    const token = newToken();
    expect(token).toHaveLength(43);
    const server = stubFetch(() => json(200, { id: 'u1', email: 'ada@example.com', name: 'Ada', role: 'USER' }));
    openAt(`/verify-email?token=${token}`);

    expect(await screen.findByText('Your email address is verified.')).toBeInTheDocument();
    expect(server.calls).toHaveLength(1);
    const [call] = server.calls;
    expect(call?.path).toBe('/api/auth/verify-email');
    expect(call?.method).toBe('POST');
    expect(call?.headers.get('content-type')).toBe('application/json');
    expect(call?.body).toEqual({ token });
    expect(window.location.pathname).toBe('/verify-email');
    expect(window.location.search).toBe('');
    expect(window.location.href).not.toContain(token);
    expect(screen.getByRole('link', { name: 'Go home' })).toHaveAttribute('href', '/');
  });

  it('keeps other query parameters when it removes the token', async () => {
    const token = newToken();
    stubFetch(() => json(200, {}));
    openAt(`/verify-email?token=${token}&lang=en`);
    expect(await screen.findByText('Your email address is verified.')).toBeInTheDocument();
    expect(window.location.search).toBe('?lang=en');
  });

  it('shows the answer again without a second POST when the page is mounted again on the same entry', async () => {
    const token = newToken();
    const server = stubFetch(() => json(200, {}));
    const first = openAt(`/verify-email?token=${token}`);
    expect(await screen.findByText('Your email address is verified.')).toBeInTheDocument();
    first.unmount();

    renderHere(); // same history entry, token no longer in the address
    expect(await screen.findByText('Your email address is verified.')).toBeInTheDocument();
    expect(server.calls).toHaveLength(1);
  });

  it('shows the server\'s reason for a used or expired link', async () => {
    const server = stubFetch(() => refused(400, 'INVALID', invalidLink, 'token'));
    openAt(`/verify-email?token=${newToken()}`);
    expect(await screen.findByRole('alert')).toHaveTextContent(invalidLink);
    expect(screen.queryByRole('button', { name: 'Try again' })).not.toBeInTheDocument();
    expect(screen.queryByText('Your email address is verified.')).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Go home' })).toBeInTheDocument();
    expect(server.calls).toHaveLength(1);
  });

  it('offers to try again when the server could not be reached', async () => {
    const token = newToken();
    let down = true;
    const server = stubFetch(() => {
      if (down) throw new TypeError('Failed to fetch');
      return json(200, {});
    });
    openAt(`/verify-email?token=${token}`);
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not reach the server.');

    down = false;
    await userEvent.setup().click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Your email address is verified.')).toBeInTheDocument();
    expect(server.calls.map((c) => c.body)).toEqual([{ token }, { token }]);
  });

  it('says the link is incomplete, without calling the server, when it has no token', async () => {
    const server = stubFetch(() => json(200, {}));
    openAt('/verify-email');
    expect(screen.getByRole('alert')).toHaveTextContent('This link is incomplete.');
    await act(async () => {}); // let effects run
    expect(server.calls).toHaveLength(0);
  });
});
