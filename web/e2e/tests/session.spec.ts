import { expect, test, type BrowserContext, type Page } from '@playwright/test';

// The shell's session across reloads and tabs, against the real stack (auth's /api/auth/*
// routes through serve.mjs): the access token lives only in the page's memory, the refresh
// token only in an HttpOnly cookie, and a reload gets a new access token from that cookie.
// 1. Sign up, reload: still signed in (a neutral loading state meanwhile, never the sign-in
//    page), the todos remote works; the cookie is HttpOnly; no token in web storage.
// 2. Sign out, reload: signed out. Sign in again through the form: a reload keeps it.
// 3. Two pages of the same user: signing out in one signs the other out at once.

const baseURL = () => {
  const url = process.env.E2E_BASE_URL;
  if (!url) throw new Error('E2E_BASE_URL is not set (global setup did not run?)');
  return url;
};

interface Account {
  name: string;
  email: string;
  password: string;
}

const newAccount = (who: string): Account => {
  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  return { name: `${who} ${suffix}`, email: `${who.toLowerCase()}.${suffix}@example.com`, password: `pw-${suffix}-long-enough` };
};

/** Signs up through the shell's form; returns the access token the server answered. */
async function signUp(page: Page, account: Account): Promise<string> {
  await page.goto('/signup');
  await page.getByLabel('Name').fill(account.name);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/signup');
  await page.getByRole('button', { name: 'Create account' }).click();
  const response = await answered;
  expect(response.status()).toBe(201);
  const { accessToken } = (await response.json()) as { accessToken: string };
  await expect(page).toHaveURL(/\/todos$/);
  await expect(page.getByTestId('signed-in-user')).toContainText(account.name);
  return accessToken;
}

async function expectSignedInOnTodos(page: Page, account: Account) {
  await expect(page).toHaveURL(/\/todos$/);
  await expect(page.getByTestId('signed-in-user')).toContainText(account.name);
  await expect(page.getByRole('heading', { name: 'Todos', exact: true })).toBeVisible();
}

async function expectSignedOut(page: Page) {
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByTestId('signed-in-user')).toHaveCount(0);
}

async function refreshCookie(context: BrowserContext) {
  return (await context.cookies()).find((c) => c.name === 'fedstack_refresh');
}

/** Every value in localStorage and sessionStorage, as "key=value". */
const webStorage = (page: Page) =>
  page.evaluate(() =>
    [localStorage, sessionStorage].flatMap((s) => Array.from({ length: s.length }, (_, i) => `${s.key(i)}=${s.getItem(s.key(i)!)}`)),
  );

test('a reload keeps the user signed in; the refresh cookie is HttpOnly and no token is in web storage', async ({ browser }) => {
  const account = newAccount('Ada');
  const context = await browser.newContext({ baseURL: baseURL() });
  const page = await context.newPage();
  const accessToken = await signUp(page, account);
  await expect(page.getByText('Nothing to do yet.')).toBeVisible();

  const cookie = await refreshCookie(context);
  expect(cookie, 'the sign-up set the refresh cookie').toBeDefined();
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/auth' });
  expect(await page.evaluate(() => document.cookie)).not.toContain('fedstack_refresh');
  expect(await webStorage(page)).toEqual([]);

  // Reload, holding the refresh answer a moment: a neutral loading state, not the sign-in page.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let refreshes = 0;
  await page.route('**/api/auth/refresh', async (route) => {
    refreshes += 1;
    await held;
    await route.continue();
  });
  await page.reload();
  await expect(page.getByRole('status').filter({ hasText: 'Loading…' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Sign in' })).toHaveCount(0);
  expect(new URL(page.url()).pathname).toBe('/todos');
  release();
  await expectSignedInOnTodos(page, account);
  await page.unroute('**/api/auth/refresh');
  expect(refreshes).toBe(1);

  // The todos remote works with the access token the refresh gave.
  const title = `After reload ${Date.now().toString(36)}`;
  await page.getByLabel('New todo').fill(title);
  await page.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByTestId('todo-item').filter({ hasText: title })).toBeVisible();

  // The cookie rotated and the new one works too: reload once more.
  const rotated = await refreshCookie(context);
  expect(rotated?.value).toBeDefined();
  expect(rotated?.value).not.toBe(cookie?.value);
  await page.reload();
  await expectSignedInOnTodos(page, account);
  await expect(page.getByTestId('todo-item').filter({ hasText: title })).toBeVisible();

  // Still nothing in script-readable places.
  expect(await page.evaluate(() => document.cookie)).not.toContain('fedstack_refresh');
  const stored = await webStorage(page);
  expect(stored.filter((entry) => entry.includes(accessToken) || /eyJ[\w-]+\.eyJ[\w-]+\./.test(entry))).toEqual([]);
  await context.close();
});

test('sign-out ends the session: a reload stays signed out; signing in again survives a reload', async ({ browser }) => {
  const account = newAccount('Bo');
  const context = await browser.newContext({ baseURL: baseURL() });
  const page = await context.newPage();
  await signUp(page, account);

  const loggedOut = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/logout');
  await page.getByRole('button', { name: 'Sign out' }).click();
  expect((await loggedOut).status()).toBe(200);
  await expectSignedOut(page);
  expect(await refreshCookie(context), 'the logout cleared the refresh cookie').toBeUndefined();

  await page.reload();
  await expectSignedOut(page);
  await page.goto('/todos');
  await expectSignedOut(page);

  // Sign in through the form (POST /api/auth/login): back on the todos, and a reload keeps it.
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expectSignedInOnTodos(page, account);
  expect(await refreshCookie(context)).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  await page.reload();
  await expectSignedInOnTodos(page, account);
  await expect(page.getByText('Nothing to do yet.')).toBeVisible();
  await context.close();
});

test('two pages of the same user: signing out in one signs the other out', async ({ browser }) => {
  const account = newAccount('Cy');
  const context = await browser.newContext({ baseURL: baseURL() });
  const pageA = await context.newPage();
  await signUp(pageA, account);

  // A second tab: signed in from the shared refresh cookie, without signing in again.
  const pageB = await context.newPage();
  await pageB.goto('/todos');
  await expectSignedInOnTodos(pageB, account);
  await expect(pageB.getByText('Nothing to do yet.')).toBeVisible();
  // Tab A still works after B's refresh rotated the cookie.
  await pageA.reload();
  await expectSignedInOnTodos(pageA, account);

  await pageA.getByRole('button', { name: 'Sign out' }).click();
  await expectSignedOut(pageA);
  // B is told at once (BroadcastChannel), without reloading.
  await expectSignedOut(pageB);
  await pageB.reload();
  await expectSignedOut(pageB);
  await context.close();
});
