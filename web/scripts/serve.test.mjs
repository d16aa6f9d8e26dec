// Tests for serve.mjs against a fake build and a fake router, all on free ports.
// Run: node --test scripts/ (from web/), part of `pnpm -C web test`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./serve.mjs', import.meta.url));

function write(file, text) {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
}

/** A stand-in router: echoes HTTP requests as JSON and websocket bytes back. */
function fakeRouter() {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/graphql-response+json' });
      res.end(JSON.stringify({ method: req.method, url: req.url, body, headers: req.headers }));
    });
  });
  server.on('upgrade', (req, socket) => {
    if (req.headers['sec-websocket-protocol'] !== 'graphql-transport-ws') {
      socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const accept = createHash('sha1')
      .update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
      .digest('base64');
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n`,
    );
    socket.on('data', (chunk) => socket.write(chunk));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** A stand-in auth service: echoes the request as JSON and sets two cookies. */
function fakeAuth() {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.writeHead(200, [
        ['content-type', 'application/json'],
        ['set-cookie', 'fedstack_refresh=opaque-1; Path=/api/auth; HttpOnly; Secure; SameSite=Strict; Max-Age=2592000'],
        ['set-cookie', 'other=2; Path=/'],
      ]);
      res.end(JSON.stringify({ method: req.method, url: req.url, body, headers: req.headers }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function startServe(envExtra) {
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...envExtra }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = /web ready (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, origin: m[1] });
    });
    child.stderr.on('data', (c) => (out += c));
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

describe('serve.mjs', () => {
  let dir;
  let router;
  let auth;
  let serve;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'serve-test-'));
    write(join(dir, 'shell/dist/index.html'), '<!doctype html><title>shell</title>');
    write(join(dir, 'shell/dist/assets/index-abcdef12.js'), 'console.log(1)');
    write(join(dir, 'todos/dist/mf-manifest.json'), '{"id":"todos"}');
    write(join(dir, 'todos/dist/remoteEntry.js'), 'export {}');
    write(join(dir, 'notbuilt/src/x.ts'), '');
    write(join(dir, 'secret.txt'), 'nope');
    router = await fakeRouter();
    auth = await fakeAuth();
    serve = await startServe({
      WEB_PORT: '0',
      HOST: '127.0.0.1',
      ROUTER_URL: `http://127.0.0.1:${router.address().port}`,
      AUTH_URL: `http://127.0.0.1:${auth.address().port}`,
      // The echoing stand-in serves as the todos service too.
      TODOS_URL: `http://127.0.0.1:${auth.address().port}`,
      WEB_DIST_ROOT: dir,
    });
  });

  after(() => {
    serve?.child.kill('SIGTERM');
    router?.close();
    auth?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the shell with an SPA fallback, and 404s missing assets', async () => {
    const index = await fetch(`${serve.origin}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type'), /text\/html/);
    assert.match(await index.text(), /shell/);
    const route = await fetch(`${serve.origin}/todos`);
    assert.equal(route.status, 200);
    assert.match(await route.text(), /shell/);
    const asset = await fetch(`${serve.origin}/assets/index-abcdef12.js`);
    assert.match(asset.headers.get('content-type'), /javascript/);
    assert.match(asset.headers.get('cache-control'), /immutable/);
    assert.equal((await fetch(`${serve.origin}/assets/missing-12345678.js`)).status, 404);
    assert.equal((await fetch(`${serve.origin}/%2e%2e/secret.txt`)).status, 404);
  });

  it('serves remotes under /remotes/<name>/ and lists them in the runtime config', async () => {
    const manifest = await fetch(`${serve.origin}/remotes/todos/mf-manifest.json`);
    assert.equal(manifest.status, 200);
    assert.equal(manifest.headers.get('cache-control'), 'no-cache');
    assert.deepEqual(await manifest.json(), { id: 'todos' });
    const config = await fetch(`${serve.origin}/runtime-config.json`);
    assert.deepEqual(await config.json(), {
      graphqlUrl: '/graphql',
      remotes: { todos: '/remotes/todos/mf-manifest.json' },
    });
    assert.equal((await fetch(`${serve.origin}/remotes/notbuilt/x.ts`)).status, 404);
  });

  it('proxies /graphql over HTTP with headers and body', async () => {
    const res = await fetch(`${serve.origin}/graphql?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
      body: '{"query":"{ me { id } }"}',
    });
    assert.equal(res.status, 200);
    const echoed = await res.json();
    assert.equal(echoed.method, 'POST');
    assert.equal(echoed.url, '/graphql?x=1');
    assert.equal(echoed.body, '{"query":"{ me { id } }"}');
    assert.equal(echoed.headers.authorization, 'Bearer t');
    assert.equal(echoed.headers['x-forwarded-host'], new URL(serve.origin).host);
  });

  it('proxies websocket upgrades on /graphql', async () => {
    const { port } = new URL(serve.origin);
    const echoed = await new Promise((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        path: '/graphql',
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
          'sec-websocket-protocol': 'graphql-transport-ws',
        },
      });
      req.on('upgrade', (res, socket) => {
        assert.equal(res.statusCode, 101);
        assert.equal(res.headers['sec-websocket-protocol'], 'graphql-transport-ws');
        assert.equal(res.headers['sec-websocket-accept'], 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
        socket.once('data', (d) => {
          socket.destroy();
          resolve(d.toString());
        });
        socket.write('ping-bytes');
      });
      req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
    assert.equal(echoed, 'ping-bytes');
  });

  it('proxies /api/auth/* to the auth service, cookies both ways unchanged, with X-Forwarded-*', async () => {
    const res = await fetch(`${serve.origin}/api/auth/refresh?x=1`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: serve.origin,
        cookie: 'fedstack_refresh=opaque-0; other=1',
        // what a client says about itself is not passed on
        'x-forwarded-for': '203.0.113.7',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'https',
      },
      body: '{}',
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.headers.getSetCookie(), [
      'fedstack_refresh=opaque-1; Path=/api/auth; HttpOnly; Secure; SameSite=Strict; Max-Age=2592000',
      'other=2; Path=/',
    ]);
    const echoed = await res.json();
    assert.equal(echoed.method, 'POST');
    assert.equal(echoed.url, '/api/auth/refresh?x=1');
    assert.equal(echoed.body, '{}');
    assert.equal(echoed.headers.cookie, 'fedstack_refresh=opaque-0; other=1');
    assert.equal(echoed.headers['content-type'], 'application/json');
    assert.equal(echoed.headers.origin, serve.origin);
    const host = new URL(serve.origin).host;
    assert.equal(echoed.headers.host, host);
    assert.equal(echoed.headers['x-forwarded-host'], host);
    assert.equal(echoed.headers['x-forwarded-proto'], 'http');
    assert.equal(echoed.headers['x-forwarded-for'], '127.0.0.1');

    // Any method goes to the service (it answers 405 itself); other /api paths do not.
    const get = await fetch(`${serve.origin}/api/auth/login`);
    assert.equal((await get.json()).method, 'GET');
    assert.equal((await fetch(`${serve.origin}/api/authx`, { method: 'POST', body: '{}' })).status, 405);
  });

  it('proxies /api/todos/* to the todos service with the bearer token', async () => {
    const res = await fetch(`${serve.origin}/api/todos/abc?version=2`, {
      method: 'DELETE',
      headers: { authorization: 'Bearer t0k' },
    });
    assert.equal(res.status, 200);
    const echoed = await res.json();
    assert.equal(echoed.method, 'DELETE');
    assert.equal(echoed.url, '/api/todos/abc?version=2');
    assert.equal(echoed.headers.authorization, 'Bearer t0k');
    assert.equal(echoed.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal((await fetch(`${serve.origin}/api/todosx`, { method: 'POST', body: '{}' })).status, 405);
  });

  it('answers 502 in the auth routes\' error shape when the auth service is down', async () => {
    const down = await startServe({ WEB_PORT: '0', AUTH_URL: 'http://127.0.0.1:9', WEB_DIST_ROOT: dir });
    try {
      const res = await fetch(`${down.origin}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(res.status, 502);
      const { error } = await res.json();
      assert.equal(error.code, 'BAD_GATEWAY');
      assert.match(error.message, /sign-in service is unavailable/);
    } finally {
      down.child.kill('SIGTERM');
    }
  });

  it('answers 502 in GraphQL shape when the router is down', async () => {
    const down = await startServe({ WEB_PORT: '0', ROUTER_URL: 'http://127.0.0.1:9', WEB_DIST_ROOT: dir });
    try {
      const res = await fetch(`${down.origin}/graphql`, { method: 'POST', body: '{}' });
      assert.equal(res.status, 502);
      assert.match((await res.json()).errors[0].message, /router unavailable/);
    } finally {
      down.child.kill('SIGTERM');
    }
  });
});
