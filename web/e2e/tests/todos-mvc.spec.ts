import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';

// The todos remote as a TodoMVC, across two pages of the same user, against the real stack
// (shell, remote, router, auth and todos subgraphs, Redis fan-out):
// 1. Toggling all and clearing completed in one page shows in the other.
// 2. Inline edit (Enter saves, Escape cancels), "N items left", the filters (in the URL,
//    with back/forward), and reordering showing in the other page.
// 3. A change made against a stale version: the API answers CONFLICT, and the page that
//    was not told of the other change shows the current todo and says its edit was not
//    applied.
// 4. A page whose websocket drops resubscribes with `since` = the last cursor it saw and
//    receives, in order, the changes made while it was away.

const baseURL = () => {
  const url = process.env.E2E_BASE_URL;
  if (!url) throw new Error('E2E_BASE_URL is not set (global setup did not run?)');
  return url;
};

const LIVE = { timeout: 5_000 };

interface Account {
  name: string;
  email: string;
  password: string;
}

interface Session {
  context: BrowserContext;
  page: Page;
  /** The access token the sign-up or sign-in answered. */
  token: string;
}

const newAccount = (): Account => {
  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  return { name: `Mvc ${suffix}`, email: `mvc.${suffix}@example.com`, password: `pw-${suffix}-long-enough` };
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

async function signUp(browser: Browser, account: Account): Promise<Session> {
  const context = await browser.newContext({ baseURL: baseURL() });
  const page = await context.newPage();
  const ready = subscriptionReady(page);
  await page.goto('/signup');
  await page.getByLabel('Name').fill(account.name);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/signup');
  await page.getByRole('button', { name: 'Create account' }).click();
  const { accessToken } = (await (await answered).json()) as { accessToken: string };
  await expect(page).toHaveURL(/\/todos$/);
  await expect(page.getByText('Nothing to do yet.')).toBeVisible();
  await ready;
  return { context, page, token: accessToken };
}

async function signIn(browser: Browser, account: Account, prepare?: (page: Page) => Promise<void>): Promise<Session> {
  const context = await browser.newContext({ baseURL: baseURL() });
  const page = await context.newPage();
  await prepare?.(page);
  const ready = subscriptionReady(page);
  await page.goto('/login');
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/login');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const { accessToken } = (await (await answered).json()) as { accessToken: string };
  await expect(page).toHaveURL(/\/todos$/);
  await expect(page.getByRole('heading', { name: 'Todos', exact: true })).toBeVisible();
  await ready;
  return { context, page, token: accessToken };
}

async function add(page: Page, ...titles: string[]) {
  for (const title of titles) {
    const input = page.getByLabel('New todo');
    await input.fill(title);
    await input.press('Enter');
    await expect(page.getByTestId('todo-item').filter({ hasText: title })).toBeVisible();
    await expect(input).toHaveValue('');
  }
}

const list = (page: Page) => page.getByRole('list', { name: 'Todos' });
const item = (page: Page, title: string) => page.getByTestId('todo-item').filter({ has: page.getByText(title, { exact: true }) });
const titles = (page: Page) => list(page).getByTestId('todo-item').locator('.fs-todos-title');

test('two pages of the same user: toggling all and clearing completed in one shows in the other', async ({ browser }) => {
  const account = newAccount();
  const a = await signUp(browser, account);
  const b = await signIn(browser, account);

  await add(a.page, 'Milk', 'Bread', 'Cheese');
  await expect(a.page.getByText('3 items left')).toBeVisible();
  await expect(b.page.getByTestId('todo-item')).toHaveCount(3, LIVE);
  await expect(b.page.getByText('3 items left')).toBeVisible(LIVE);

  // Toggle all in A: every todo completed in both pages.
  await a.page.getByRole('checkbox', { name: 'Mark all as complete' }).click();
  await expect(a.page.getByText('0 items left')).toBeVisible();
  await expect(a.page.getByRole('checkbox', { name: 'Mark all as complete' })).toBeChecked();
  await expect(b.page.getByText('0 items left')).toBeVisible(LIVE);
  await expect(b.page.getByRole('checkbox', { name: /^Mark ".*" as not done$/ })).toHaveCount(3);
  await expect(b.page.getByRole('checkbox', { name: 'Mark all as complete' })).toBeChecked();

  // Toggle all again, in B this time: all active in A.
  await b.page.getByRole('checkbox', { name: 'Mark all as complete' }).click();
  await expect(a.page.getByText('3 items left')).toBeVisible(LIVE);
  await expect(a.page.getByRole('button', { name: 'Clear completed' })).toHaveCount(0);

  // Complete one in A and clear completed in A: gone in B too.
  await a.page.getByRole('checkbox', { name: 'Mark "Bread" as done' }).click();
  await expect(b.page.getByRole('checkbox', { name: 'Mark "Bread" as not done' })).toBeChecked(LIVE);
  await a.page.getByRole('button', { name: 'Clear completed' }).click();
  await expect(titles(a.page)).toHaveText(['Milk', 'Cheese']);
  await expect(titles(b.page)).toHaveText(['Milk', 'Cheese'], LIVE);
  await expect(b.page.getByRole('button', { name: 'Clear completed' })).toHaveCount(0);

  // Everything done and cleared: both pages are empty.
  await a.page.getByRole('checkbox', { name: 'Mark all as complete' }).click();
  await a.page.getByRole('button', { name: 'Clear completed' }).click();
  await expect(a.page.getByText('Nothing to do yet.')).toBeVisible();
  await expect(b.page.getByText('Nothing to do yet.')).toBeVisible(LIVE);

  await a.context.close();
  await b.context.close();
});

test('inline edit, items left, filters in the URL, and reordering that shows in the other page', async ({ browser }) => {
  const account = newAccount();
  const a = await signUp(browser, account);
  const b = await signIn(browser, account);
  await add(a.page, 'One', 'Two', 'Three');
  await expect(titles(b.page)).toHaveText(['One', 'Two', 'Three'], LIVE);

  // Double-click edits in place; Enter saves, and the other page follows.
  await item(a.page, 'Two').getByText('Two', { exact: true }).dblclick();
  const edit = a.page.getByRole('textbox', { name: 'Edit "Two"' });
  await expect(edit).toBeFocused();
  await edit.fill('Two, edited');
  await edit.press('Enter');
  await expect(titles(a.page)).toHaveText(['One', 'Two, edited', 'Three']);
  await expect(titles(b.page)).toHaveText(['One', 'Two, edited', 'Three'], LIVE);

  // Escape cancels.
  await item(a.page, 'One').getByText('One', { exact: true }).dblclick();
  await a.page.getByRole('textbox', { name: 'Edit "One"' }).fill('Not this');
  await a.page.getByRole('textbox', { name: 'Edit "One"' }).press('Escape');
  await expect(a.page.getByRole('textbox', { name: /^Edit/ })).toHaveCount(0);
  await expect(titles(a.page)).toHaveText(['One', 'Two, edited', 'Three']);

  // Items left, singular and plural, in both pages.
  await expect(a.page.getByText('3 items left')).toBeVisible();
  await a.page.getByRole('checkbox', { name: 'Mark "One" as done' }).click();
  await a.page.getByRole('checkbox', { name: 'Mark "Three" as done' }).click();
  await expect(a.page.getByText('1 item left')).toBeVisible();
  await expect(b.page.getByText('1 item left')).toBeVisible(LIVE);

  // Filters: links that put the filter in the URL; back and forward follow it.
  await a.page.getByRole('link', { name: 'Active' }).click();
  await expect(a.page).toHaveURL(/\/todos\?filter=active$/);
  await expect(titles(a.page)).toHaveText(['Two, edited']);
  await expect(a.page.getByRole('link', { name: 'Active' })).toHaveAttribute('aria-current', 'page');
  await a.page.getByRole('link', { name: 'Completed' }).click();
  await expect(a.page).toHaveURL(/\/todos\?filter=completed$/);
  await expect(titles(a.page)).toHaveText(['One', 'Three']);
  await a.page.goBack();
  await expect(a.page).toHaveURL(/\/todos\?filter=active$/);
  await expect(titles(a.page)).toHaveText(['Two, edited']);
  // A reload keeps the filter; completing the last active todo empties the view.
  await a.page.reload();
  await expect(titles(a.page)).toHaveText(['Two, edited']);
  await a.page.getByRole('checkbox', { name: 'Mark "Two, edited" as done' }).click();
  await expect(a.page.getByText('Nothing left to do.')).toBeVisible();
  await expect(b.page.getByText('0 items left')).toBeVisible(LIVE);
  await a.page.getByRole('link', { name: 'All' }).click();
  await expect(a.page).toHaveURL(/\/todos$/);
  await expect(titles(a.page)).toHaveText(['One', 'Two, edited', 'Three']);

  // Reorder in A with the buttons and by dragging: B shows the new order.
  await item(a.page, 'Three').hover();
  await a.page.getByRole('button', { name: 'Move "Three" up' }).click();
  await expect(titles(a.page)).toHaveText(['One', 'Three', 'Two, edited']);
  await expect(titles(b.page)).toHaveText(['One', 'Three', 'Two, edited'], LIVE);
  await a.page.getByRole('button', { name: 'Reorder "One"' }).dragTo(item(a.page, 'Two, edited'));
  await expect(titles(a.page)).toHaveText(['Three', 'Two, edited', 'One']);
  await expect(titles(b.page)).toHaveText(['Three', 'Two, edited', 'One'], LIVE);
  // The order is the server's: a fresh page shows it too.
  await b.page.reload();
  await expect(titles(b.page)).toHaveText(['Three', 'Two, edited', 'One']);

  await a.context.close();
  await b.context.close();
});

test('a change against a stale version: the API answers CONFLICT and the stale page says its edit was not applied', async ({ browser }) => {
  const account = newAccount();
  const a = await signUp(browser, account);
  // B's live updates can be held back, so B keeps showing an old version.
  let holdBack = false;
  const b = await signIn(browser, account, (page) =>
    page.routeWebSocket(/\/graphql$/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => server.send(message));
      server.onMessage((message) => {
        if (holdBack && String(message).includes('"type":"next"')) return;
        ws.send(message);
      });
    }),
  );

  await add(a.page, 'Buy milk');
  await expect(item(b.page, 'Buy milk')).toBeVisible(LIVE);

  // The API: a change made with the version before the last one is refused.
  const api = await a.page.evaluate(async (token) => {
    const post = async (query: string, variables: Record<string, unknown>) => {
      const r = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      return (await r.json()) as { data?: Record<string, unknown>; errors?: Array<{ extensions?: Record<string, unknown> }> };
    };
    const listed = await post('{ todos { nodes { id title version } } }', {});
    const todo = (listed.data!.todos as { nodes: Array<{ id: string; version: number }> }).nodes[0]!;
    const first = await post('mutation($id: ID!, $v: Int) { toggleTodo(id: $id, version: $v) { version } }', { id: todo.id, v: todo.version });
    const stale = await post('mutation($i: UpdateTodoInput!) { updateTodo(input: $i) { version } }', {
      i: { id: todo.id, version: todo.version, title: 'Buy stale milk' },
    });
    const back = await post('mutation($id: ID!) { toggleTodo(id: $id) { version } }', { id: todo.id });
    return { before: todo.version, first, stale, back };
  }, a.token);
  expect(api.first.errors).toBeUndefined();
  expect(api.stale.data ?? null).toBeNull();
  expect(api.stale.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  // The error carries the todo as it is now, so the client can merge.
  expect(api.stale.errors?.[0]?.extensions?.current).toMatchObject({ version: api.before + 1, title: 'Buy milk' });
  await expect(b.page.getByText('1 item left')).toBeVisible(LIVE);

  // The UI: A renames the todo while B is not told; B then renames it from what it shows.
  holdBack = true;
  await item(a.page, 'Buy milk').getByText('Buy milk', { exact: true }).dblclick();
  await a.page.getByRole('textbox', { name: 'Edit "Buy milk"' }).fill('Buy oat milk');
  await a.page.getByRole('textbox', { name: 'Edit "Buy milk"' }).press('Enter');
  await expect(item(a.page, 'Buy oat milk')).toBeVisible();
  await expect(item(b.page, 'Buy milk')).toBeVisible();

  // (the first request may carry only the persisted hash; wait for the answer that settles it)
  const answered = b.page.waitForResponse(async (r) => {
    if (new URL(r.url()).pathname !== '/graphql' || r.request().method() !== 'POST') return false;
    return (r.request().postData() ?? '').includes('UpdateTodo') && (await r.text()).includes('CONFLICT');
  });
  await item(b.page, 'Buy milk').getByText('Buy milk', { exact: true }).dblclick();
  await b.page.getByRole('textbox', { name: 'Edit "Buy milk"' }).fill('Buy goat milk');
  await b.page.getByRole('textbox', { name: 'Edit "Buy milk"' }).press('Enter');
  const body = (await (await answered).json()) as { errors?: Array<{ extensions?: { code?: string } }> };
  expect(body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  await expect(b.page.getByRole('alert')).toContainText('"Buy milk" was changed elsewhere; your edit was not applied.');
  await expect(item(b.page, 'Buy oat milk')).toBeVisible();
  await expect(b.page.getByText('Buy goat milk')).toHaveCount(0);
  await expect(item(a.page, 'Buy oat milk')).toBeVisible();

  // Once B hears live changes again, both agree on later changes.
  holdBack = false;
  await a.page.getByRole('checkbox', { name: 'Mark "Buy oat milk" as done' }).click();
  await expect(b.page.getByRole('checkbox', { name: 'Mark "Buy oat milk" as not done' })).toBeChecked(LIVE);

  await a.context.close();
  await b.context.close();
});

test('after its websocket drops, a page resubscribes from its last cursor and gets what it missed', async ({ browser }) => {
  const account = newAccount();
  const a = await signUp(browser, account);
  // B's sockets go through here: `away` holds a new connection's frames until B is back.
  const sockets: Array<{ close(): Promise<void> }> = [];
  const subscribes: Array<{ since: string | null }> = [];
  const cursors: string[] = [];
  let away = false;
  let back: () => void = () => {};
  const b = await signIn(browser, account, (page) =>
    page.routeWebSocket(/\/graphql$/, (ws) => {
      sockets.push(ws);
      const held: Array<string | Buffer> = [];
      let server: ReturnType<typeof ws.connectToServer> | null = null;
      const connect = () => {
        server = ws.connectToServer();
        server.onMessage((m) => {
          const cursor = /"cursor":"([^"]+)"/.exec(String(m))?.[1];
          if (cursor) cursors.push(cursor);
          ws.send(m);
        });
        held.splice(0).forEach((m) => server!.send(m));
      };
      ws.onMessage((m) => {
        const msg = JSON.parse(String(m)) as { type: string; payload?: { variables?: { since?: string | null } } };
        if (msg.type === 'subscribe') subscribes.push({ since: msg.payload?.variables?.since ?? null });
        if (server) server.send(m);
        else held.push(m);
      });
      if (away) back = connect;
      else connect();
    }),
  );

  await add(a.page, 'Before');
  await expect(item(b.page, 'Before')).toBeVisible(LIVE);
  const lastSeen = cursors.at(-1);
  expect(lastSeen).toBeTruthy();
  expect(subscribes).toEqual([{ since: null }]);

  // B drops off; meanwhile A adds one todo and completes another.
  away = true;
  await sockets.at(-1)!.close();
  await add(a.page, 'While away');
  await a.page.getByRole('checkbox', { name: 'Mark "Before" as done' }).click();
  await expect(a.page.getByText('1 item left')).toBeVisible();
  await expect.poll(() => sockets.length, { timeout: 10_000 }).toBe(2); // B is reconnecting
  await expect(item(b.page, 'While away')).toHaveCount(0);

  // B is back: one subscription, from the last cursor it saw; the missed changes arrive.
  away = false;
  back();
  await expect(item(b.page, 'While away')).toBeVisible(LIVE);
  await expect(b.page.getByRole('checkbox', { name: 'Mark "Before" as not done' })).toBeChecked(LIVE);
  await expect(b.page.getByText('1 item left')).toBeVisible(LIVE);
  expect(subscribes).toEqual([{ since: null }, { since: lastSeen }]);

  await a.context.close();
  await b.context.close();
});
