import { expect, test, type APIRequestContext, type Page } from '@playwright/test';

// The links the auth service mails, against the real stack. In development the mails go
// to the outbox (GET /api/auth/dev/outbox?to=…), which stands in for the user's inbox.
// 1. Sign up through the shell; the verification mail's link confirms the address once, and
//    says so; opened again, it is refused as already used.
// 2. "Forgot your password?" on the sign-in page asks for a reset link; the link lets the
//    user choose a new password (once); the new one signs in, the old one no longer does.
// The links point at PUBLIC_URL, which need not be this test's origin: only their path and
// query are opened here.

const baseURL = () => {
  const url = process.env.E2E_BASE_URL;
  if (!url) throw new Error('E2E_BASE_URL is not set (global setup did not run?)');
  return url;
};

const invalidLink = 'this link is not valid: it was already used, has expired, or was replaced by a newer one';

interface OutboxMail {
  id: number | string;
  to: string;
  subject: string;
  body: string;
  createdAt: string;
}

/**
 * The path and query of the newest mail to `to` whose link goes to `path`, polling the
 * outbox a while: the service sends the mail just after it answers.
 */
async function mailedLink(request: APIRequestContext, to: string, path: string, ignore: readonly string[] = []): Promise<string> {
  const pattern = new RegExp(`https?://\\S+?${path}\\?token=[A-Za-z0-9_%-]+`);
  let found = '';
  await expect
    .poll(
      async () => {
        const response = await request.get(`/api/auth/dev/outbox?to=${encodeURIComponent(to)}`);
        expect(response.status(), 'the development outbox answers').toBe(200);
        const { mails } = (await response.json()) as { mails: OutboxMail[] };
        for (const mail of mails) {
          const link = pattern.exec(mail.body)?.[0];
          if (!link) continue;
          const url = new URL(link);
          const relative = `${url.pathname}${url.search}`;
          if (ignore.includes(relative)) continue;
          found = relative;
          return true;
        }
        return false;
      },
      { message: `a mail to ${to} with a ${path} link`, timeout: 10_000, intervals: [100, 250, 500] },
    )
    .toBe(true);
  return found;
}

async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('the mailed links verify the address once and reset the password once', async ({ browser }) => {
  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const name = `Mae ${suffix}`;
  const email = `mae.${suffix}@example.com`;
  const password = `pw-${suffix}-long-enough`;
  const newPassword = `new-${suffix}-even-longer`;
  const context = await browser.newContext({ baseURL: baseURL() });
  const page = await context.newPage();
  const request = context.request;

  // Sign up through the shell.
  await page.goto('/signup');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/todos$/);
  await expect(page.getByTestId('signed-in-user')).toContainText(name);

  // The verification mail's link: verified, the token gone from the address bar.
  const verifyLink = await mailedLink(request, email, '/verify-email');
  expect(verifyLink).toMatch(/^\/verify-email\?token=[A-Za-z0-9_-]{43}$/);
  const verified = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/verify-email');
  await page.goto(verifyLink);
  expect((await verified).status()).toBe(200);
  await expect(page.getByText('Your email address is verified.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Confirm your email address' })).toBeVisible();
  expect(new URL(page.url()).pathname).toBe('/verify-email');
  expect(new URL(page.url()).search).toBe('');
  await expect(page.getByRole('link', { name: 'Go home' })).toBeVisible();

  // Opened again: the link has been used.
  const refused = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/verify-email');
  await page.goto(verifyLink);
  expect((await refused).status()).toBe(400);
  await expect(page.getByRole('alert')).toContainText(invalidLink);
  await expect(page.getByText('Your email address is verified.')).toHaveCount(0);

  // Sign out; forgot the password: ask for a reset link from the sign-in page.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await page.getByLabel('Email').fill(email);
  const requested = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/password-reset/request');
  await page.getByRole('button', { name: 'Send reset link' }).click();
  expect((await requested).status()).toBe(202);
  await expect(page.getByRole('status')).toContainText('If an account uses this address, a reset link is on its way');

  // The reset mail's link: choose a new password.
  const resetLink = await mailedLink(request, email, '/reset-password');
  expect(resetLink).toMatch(/^\/reset-password\?token=[A-Za-z0-9_-]{43}$/);
  await page.goto(resetLink);
  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  expect(new URL(page.url()).search).toBe('');
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('Confirm new password').fill(newPassword);
  const reset = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/password-reset');
  await page.getByRole('button', { name: 'Change password' }).click();
  expect((await reset).status()).toBe(200);
  await expect(page.getByText('Password changed — sign in with your new password')).toBeVisible();

  // The reset link works once.
  await page.goto(resetLink);
  await page.getByLabel('New password', { exact: true }).fill(`${newPassword}-again`);
  await page.getByLabel('Confirm new password').fill(`${newPassword}-again`);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('alert')).toContainText(invalidLink);
  await expect(page.getByRole('link', { name: 'Ask for a new link' })).toBeVisible();

  // The old password no longer signs in; the new one does.
  await page.goto('/login');
  const oldLogin = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/login');
  await signIn(page, email, password);
  expect((await oldLogin).status()).toBe(401);
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByTestId('signed-in-user')).toHaveCount(0);

  await page.getByLabel('Password').fill(newPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/todos$/);
  await expect(page.getByTestId('signed-in-user')).toContainText(name);
  await context.close();
});
