import { vi } from 'vitest';

// Unit tests only: stands in for the auth service's account routes by replacing the global
// fetch (the account API looks it up at call time). The Playwright spec account-mail runs
// the real service. Undo with vi.unstubAllGlobals().

export interface StubCall {
  path: string;
  method: string;
  headers: Headers;
  body: unknown;
}

export type Answer = (call: StubCall) => Response | Promise<Response>;

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

export const refused = (status: number, code: string, message: string, field?: string, headers: Record<string, string> = {}) =>
  json(status, { error: { code, message, ...(field ? { field } : {}) } }, headers);

/** Replaces fetch; `answer` gets each call (a thrown error is a network failure). */
export function stubFetch(answer: Answer) {
  const calls: StubCall[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, 'http://localhost');
    const text = typeof init?.body === 'string' ? init.body : '';
    const call: StubCall = {
      path: url.pathname,
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
    calls.push(call);
    return answer(call);
  });
  vi.stubGlobal('fetch', fetch);
  return { calls, callsTo: (path: string) => calls.filter((c) => c.path === path) };
}
