import { expect, test, type Page, type WebSocketRoute } from '@playwright/test';

// The assistant remote in the shell, against the real stack (scripts/stack.sh: the ai
// subgraph answers with its offline built-in model, word by word every 15 ms).
// 1. Sign up, open /ai from the header: the model picker shows the offline model, labelled
//    offline. Send a message with Enter: the answer streams in chunk by chunk over the
//    messageStream subscription and completes with its tokens. After a reload the
//    conversation is listed and opens with both messages.
// 2. The websocket drops in the middle of an answer: the app subscribes again from the byte
//    offset it reached, and the answer ends whole, exactly as stored (checked after a reload).

const baseURL = () => {
  const url = process.env.E2E_BASE_URL;
  if (!url) throw new Error('E2E_BASE_URL is not set (global setup did not run?)');
  return url;
};

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

async function signUp(page: Page, who: string) {
  const suffix = unique();
  const name = `${who} ${suffix}`;
  await page.goto('/signup');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(`${who.toLowerCase()}.${suffix}@example.com`);
  await page.getByLabel('Password').fill(`pw-${suffix}-long-enough`);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('signed-in-user')).toContainText(name);
}

/** The graphql-ws messages of one kind ("next", "subscribe"…) that mention messageStream / MessageStream. */
const streamFrames = (frames: string[], type: string) =>
  frames
    .map((f) => JSON.parse(f) as { type: string; payload?: Record<string, unknown> })
    .filter((m) => m.type === type && /messageStream|MessageStream/.test(JSON.stringify(m.payload ?? {})));

const lastAnswer = (page: Page) => page.getByRole('listitem', { name: 'Answer' }).last();
const uuidPath = /\/ai\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test('chat with the offline model: the answer streams in with its tokens, and the conversation is kept', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: baseURL() });
  const page = await context.newPage();
  const received: string[] = [];
  page.on('websocket', (ws) => {
    if (new URL(ws.url()).pathname.endsWith('/graphql')) ws.on('framereceived', ({ payload }) => received.push(String(payload)));
  });

  await signUp(page, 'Ada');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Assistant' }).click();
  await expect(page).toHaveURL(/\/ai$/);
  await expect(page.getByRole('heading', { name: 'New chat', level: 2 })).toBeVisible();

  // The offline model is the one chosen, and it says so twice: its name and a badge.
  const picker = page.getByRole('combobox', { name: 'Model' });
  await expect(picker.locator('option:checked')).toHaveText(/Offline built-in model \(no network\)/);
  await expect(page.locator('.fs-ai-model').getByText('offline', { exact: true })).toBeVisible();
  await expect(page.getByText('No conversations yet.')).toBeVisible();

  const question = `Which colour do flamingos have ${unique()}?`;
  await page.getByRole('textbox', { name: 'Message' }).fill(question);
  await page.getByRole('textbox', { name: 'Message' }).press('Enter');

  await expect(page).toHaveURL(uuidPath);
  await expect(page.getByRole('textbox', { name: 'Message' })).toHaveValue('');
  await expect(page.getByRole('listitem', { name: 'Your message' })).toHaveText(/Which colour do flamingos have/);
  const answer = lastAnswer(page);
  await expect(answer).toContainText('This is the offline built-in model');
  await expect(answer.getByTestId('answer-meta')).toContainText(/[1-9]\d* tokens in · [1-9]\d* tokens out/, { timeout: 15_000 });
  await expect(answer).toContainText('OpenAI-compatible endpoint');
  await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();
  // It came chunk by chunk: many pieces over the subscription, then the last one.
  const chunks = streamFrames(received, 'next');
  expect(chunks.length).toBeGreaterThan(10);
  expect(JSON.stringify(chunks.at(-1))).toContain('"done":true');
  const shown = (await answer.locator('.fs-ai-markdown').innerText()).trim();

  // The conversation is listed and opens with both messages after a reload.
  await expect(page.getByRole('list', { name: 'Your conversations' }).getByRole('link', { name: /Which colour do flamingos/ })).toBeVisible();
  await page.reload();
  await expect(page).toHaveURL(uuidPath);
  const listed = page.getByRole('list', { name: 'Your conversations' }).getByRole('link', { name: /Which colour do flamingos/ });
  await expect(listed).toBeVisible();
  await expect(listed).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('listitem', { name: 'Your message' })).toHaveText(/Which colour do flamingos have/);
  await expect(lastAnswer(page).locator('.fs-ai-markdown')).toHaveText(shown);
  await expect(lastAnswer(page).getByTestId('answer-meta')).toContainText(/[1-9]\d* tokens in/);

  // A new chat starts empty; the old one is a click away.
  await page.getByRole('button', { name: 'New chat' }).click();
  await expect(page).toHaveURL(/\/ai$/);
  await expect(page.getByRole('listitem', { name: 'Answer' })).toHaveCount(0);
  await page.getByRole('list', { name: 'Your conversations' }).getByRole('link', { name: /Which colour do flamingos/ }).click();
  await expect(lastAnswer(page).locator('.fs-ai-markdown')).toHaveText(shown);
  await context.close();
});

test('a websocket dropped in the middle of an answer resumes from the byte offset reached', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: baseURL() });
  const page = await context.newPage();

  // Every /graphql websocket goes through here. The first one is cut (both ways) right after
  // it delivered the answer's first chunk; the app must reconnect and resume.
  let sockets = 0;
  const subscribes: Array<{ socket: number; offset: unknown }> = [];
  await page.routeWebSocket(/\/graphql$/, (ws: WebSocketRoute) => {
    const socket = ++sockets;
    const server = ws.connectToServer();
    let cut = false;
    ws.onMessage((message) => {
      const m = JSON.parse(String(message)) as { type: string; payload?: { query?: string; variables?: { offset?: unknown } } };
      if (m.type === 'subscribe' && m.payload?.query?.includes('messageStream')) {
        subscribes.push({ socket, offset: m.payload.variables?.offset });
      }
      if (!cut) server.send(message);
    });
    server.onMessage((message) => {
      if (cut) return;
      ws.send(message);
      const m = JSON.parse(String(message)) as { type: string; payload?: { data?: { messageStream?: { text?: string } } } };
      if (socket === 1 && m.type === 'next' && m.payload?.data?.messageStream?.text) {
        cut = true;
        void server.close({ code: 1001, reason: 'test: connection lost' });
        void ws.close({ code: 1001, reason: 'test: connection lost' });
      }
    });
  });

  await signUp(page, 'Bo');
  await page.goto('/ai');
  await expect(page.locator('.fs-ai-model').getByText('offline', { exact: true })).toBeVisible();
  await page.getByRole('textbox', { name: 'Message' }).fill(`Tell me about resumable streams ${unique()}`);
  await page.getByRole('textbox', { name: 'Message' }).press('Enter');
  await expect(page).toHaveURL(uuidPath);

  const answer = lastAnswer(page);
  await expect(answer.getByTestId('answer-meta')).toContainText(/[1-9]\d* tokens in/, { timeout: 20_000 });
  expect(sockets).toBeGreaterThanOrEqual(2);
  // The app's own subscription on the new socket asked for the offset it had reached.
  const resumed = subscribes.filter((s) => s.socket > 1 && typeof s.offset === 'number' && s.offset > 0);
  expect(resumed.length, JSON.stringify(subscribes)).toBeGreaterThan(0);
  const shown = (await answer.locator('.fs-ai-markdown').innerText()).trim();
  expect(shown).toMatch(/^This is the offline built-in model/);
  expect(shown.match(/This is the offline built-in model/g)).toHaveLength(1);

  // Exactly what the server stored: nothing lost, nothing repeated.
  await page.reload();
  await expect(lastAnswer(page).getByTestId('answer-meta')).toContainText(/tokens in/);
  await expect(lastAnswer(page).locator('.fs-ai-markdown')).toHaveText(shown);
  await context.close();
});
