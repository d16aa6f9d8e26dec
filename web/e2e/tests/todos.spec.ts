import { expect, test, type Page } from '@playwright/test';

// Flows across the shell and the todos remote, through the router.
// 1. Sign up in the shell, open the todos remote, add a todo; the same user signed in on a
//    second browser context sees it within 2 s through the todoChanged subscription, with the
//    owner's name (resolved from the auth subgraph), and "N items left" follows in both.
// 2. With the remote's manifest unavailable the shell shows a fallback, and "Try again" loads it.

const baseURL = () => {
  const url = process.env.E2E_BASE_URL;
  if (!url) throw new Error('E2E_BASE_URL is not set (global setup did not run?)');
  return url;
};

/** Resolves once the page's graphql-ws socket has been acknowledged by the server. */
function subscriptionReady(page: Page): Promise<void> {
  return new Promise((resolve) => {
    page.on('websocket', (ws) => {
      if (!new URL(ws.url()).pathname.endsWith('/graphql')) return;
      ws.on('framereceived', ({ payload }) => {
        if (String(payload).includes('"connection_ack"')) resolve();
      });
    });
  });
}

test('a todo added in one session shows up live, with its owner, in another session of the same user', async ({ browser }) => {
  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const name = `Ada E2E ${suffix}`;
  const email = `ada.${suffix}@example.com`;
  const password = `pw-${suffix}-long-enough`;
  const title = `Buy milk ${suffix}`;

  // Session A: sign up in the shell, land on the todos remote.
  const contextA = await browser.newContext({ baseURL: baseURL() });
  const pageA = await contextA.newPage();
  await pageA.goto('/signup');
  await pageA.getByLabel('Name').fill(name);
  await pageA.getByLabel('Email').fill(email);
  await pageA.getByLabel('Password').fill(password);
  await pageA.getByRole('button', { name: 'Create account' }).click();
  await expect(pageA).toHaveURL(/\/todos$/);
  await expect(pageA.getByTestId('signed-in-user')).toContainText(name);
  await expect(pageA.getByRole('heading', { name: 'Todos', exact: true })).toBeVisible();
  await expect(pageA.getByText('Nothing to do yet.')).toBeVisible();

  // Session B: the same user signs in on a second browser context.
  const contextB = await browser.newContext({ baseURL: baseURL() });
  const pageB = await contextB.newPage();
  const ready = subscriptionReady(pageB);
  await pageB.goto('/login');
  await pageB.getByLabel('Email').fill(email);
  await pageB.getByLabel('Password').fill(password);
  await pageB.getByRole('button', { name: 'Sign in' }).click();
  await expect(pageB).toHaveURL(/\/todos$/);
  await expect(pageB.getByTestId('signed-in-user')).toContainText(name);
  await expect(pageB.getByText('Nothing to do yet.')).toBeVisible();
  await ready;

  // A adds a todo in the remote; B sees it within 2 s, owner name included.
  await pageA.getByLabel('New todo').fill(title);
  await pageA.getByRole('button', { name: 'Add' }).click();
  const itemA = pageA.getByTestId('todo-item').filter({ hasText: title });
  await expect(itemA).toBeVisible();
  await expect(itemA).toContainText(`by ${name}`);

  const itemB = pageB.getByTestId('todo-item').filter({ hasText: title });
  await expect(itemB).toBeVisible({ timeout: 2_000 });
  await expect(itemB).toContainText(`by ${name}`);
  await expect(pageB.getByTestId('todo-item')).toHaveCount(1);
  await expect(pageA.getByText('1 item left')).toBeVisible();
  await expect(pageB.getByText('1 item left')).toBeVisible();

  // And back: B completes it, A sees the change live.
  // (the checkbox follows the server's answer, so click and wait rather than check())
  await pageB.getByRole('checkbox', { name: `Mark "${title}" as done` }).click();
  await expect(pageB.getByRole('checkbox', { name: `Mark "${title}" as not done` })).toBeChecked();
  await expect(pageA.getByRole('checkbox', { name: `Mark "${title}" as not done` })).toBeChecked({ timeout: 2_000 });
  await expect(pageA.getByText('0 items left')).toBeVisible();

  // A todo added with Enter in B (TodoMVC's way) shows in A too.
  const second = `Bake bread ${suffix}`;
  await pageB.getByLabel('New todo').fill(second);
  await pageB.getByLabel('New todo').press('Enter');
  await expect(pageA.getByTestId('todo-item').filter({ hasText: second })).toBeVisible({ timeout: 2_000 });
  await expect(pageA.getByText('1 item left')).toBeVisible();

  // Signing out clears the header and leaves the todos page.
  await pageA.getByRole('button', { name: 'Sign out' }).click();
  await expect(pageA).toHaveURL(/\/login$/);
  await expect(pageA.getByTestId('signed-in-user')).toHaveCount(0);

  await contextA.close();
  await contextB.close();
});

test('the shell stays usable with a fallback when the todos remote cannot be loaded, and retries', async ({ browser }) => {
  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const context = await browser.newContext({ baseURL: baseURL() });
  const page = await context.newPage();
  // The remote's manifest is down (e.g. mid-deploy).
  await page.route('**/mf-manifest.json', (route) => route.fulfill({ status: 503, body: 'unavailable' }));

  await page.goto('/signup');
  await page.getByLabel('Name').fill(`Bo ${suffix}`);
  await page.getByLabel('Email').fill(`bo.${suffix}@example.com`);
  await page.getByLabel('Password').fill(`pw-${suffix}-long-enough`);
  await page.getByRole('button', { name: 'Create account' }).click();

  await expect(page.getByRole('alert')).toContainText('Todos is unavailable right now.');
  await expect(page.getByTestId('signed-in-user')).toContainText(`Bo ${suffix}`);

  // Back up: "Try again" loads it without reloading the page (the session is in memory).
  await page.unroute('**/mf-manifest.json');
  await page.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByRole('heading', { name: 'Todos', exact: true })).toBeVisible();
  await expect(page.getByText('Nothing to do yet.')).toBeVisible();
  await context.close();
});
