#!/usr/bin/env node
// Serves the built web apps the way the edge (Caddy) does in production, in one process:
//
//   /                      web/apps/shell/dist (SPA: unknown paths without a file get index.html)
//   /remotes/<name>/       web/apps/<name>/dist for every other app with a build
//   /runtime-config.json   {"graphqlUrl": ..., "remotes": {"<name>": "/remotes/<name>/mf-manifest.json"}}
//   /graphql               proxied to ROUTER_URL, HTTP and websocket upgrades alike
//   /api/auth/*            proxied to AUTH_URL (sign-up, sign-in, refresh, logout): Cookie and
//                          Set-Cookie pass unchanged, so the HttpOnly refresh cookie is this origin's
//   /api/todos/*           proxied to TODOS_URL (the todos REST routes; bearer token)
//   /api/ai/*              proxied to AI_URL (the ai REST routes, Server-Sent Events streamed through)
//
// Proxied requests keep their Host header and get X-Forwarded-For (the client's address),
// X-Forwarded-Proto and X-Forwarded-Host; this server is the edge, so it replaces any
// X-Forwarded-* the client sent rather than trusting it.
//
// Environment:
//   WEB_PORT     port to listen on (default 5173; 0 picks a free one)
//   HOST         address to listen on (default 127.0.0.1)
//   ROUTER_URL   the GraphQL router (default http://127.0.0.1:4000)
//   AUTH_URL     the auth service's browser routes (default http://127.0.0.1:4001)
//   TODOS_URL    the todos service's REST routes (default http://127.0.0.1:4003)
//   AI_URL       the ai service's REST routes (default http://127.0.0.1:4002)
//   GRAPHQL_URL  graphqlUrl in the runtime config (default /graphql)
//   REMOTE_<NAME>_URL  overrides one remote's manifest URL in the runtime config
//   WEB_DIST_ROOT      folder holding <app>/dist (default web/apps next to this script)
//
// Prints "web ready http://<host>:<port>" once listening. SIGTERM or SIGINT stops it.
// Plain Node (20+), no dependencies.
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const env = process.env;
const port = Number(env.WEB_PORT ?? 5173);
const host = env.HOST ?? '127.0.0.1';
const router = new URL(env.ROUTER_URL ?? 'http://127.0.0.1:4000');
const auth = new URL(env.AUTH_URL ?? 'http://127.0.0.1:4001');
const todos = new URL(env.TODOS_URL ?? 'http://127.0.0.1:4003');
const ai = new URL(env.AI_URL ?? 'http://127.0.0.1:4002');
const appsDir = resolve(env.WEB_DIST_ROOT ?? fileURLToPath(new URL('../apps', import.meta.url)));

const shellDist = join(appsDir, 'shell', 'dist');
if (!existsSync(join(shellDist, 'index.html'))) {
  console.error(`serve: ${shellDist}/index.html is missing; run \`pnpm -C web build\` first`);
  process.exit(1);
}
/** remote name -> its dist folder */
const remotes = new Map(
  readdirSync(appsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'shell')
    .map((d) => [d.name, join(appsDir, d.name, 'dist')])
    .filter(([, dist]) => existsSync(join(dist, 'mf-manifest.json'))),
);

const runtimeConfig = JSON.stringify({
  graphqlUrl: env.GRAPHQL_URL ?? '/graphql',
  remotes: Object.fromEntries(
    [...remotes.keys()].map((name) => [
      name,
      env[`REMOTE_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`] ?? `/remotes/${name}/mf-manifest.json`,
    ]),
  ),
});

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

const securityHeaders = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

/** The file under root for a URL path, or null when it would leave root or does not exist. */
function fileUnder(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const file = normalize(join(root, decoded));
  if (file !== root && !file.startsWith(root + sep)) return null;
  try {
    const stat = statSync(file);
    if (stat.isFile()) return { file, stat };
    if (stat.isDirectory()) {
      const index = join(file, 'index.html');
      const s = statSync(index, { throwIfNoEntry: false });
      if (s?.isFile()) return { file: index, stat: s };
    }
  } catch {
    // missing
  }
  return null;
}

function sendFile(req, res, { file, stat }) {
  const name = file.slice(file.lastIndexOf(sep) + 1);
  // Fingerprinted assets never change; entry points (HTML, manifests, remoteEntry) must be
  // revalidated so a redeployed remote is picked up without rebuilding the shell.
  const immutable = file.includes(`${sep}assets${sep}`) && /-[\w-]{8,}\.\w+$/.test(name);
  res.writeHead(200, {
    ...securityHeaders,
    'content-type': types[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': stat.size,
    'last-modified': stat.mtime.toUTCString(),
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    // Remotes may be loaded by a shell on another origin (dev servers, other deployments).
    'access-control-allow-origin': '*',
  });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file).pipe(res);
}

function notFound(res) {
  res.writeHead(404, { ...securityHeaders, 'content-type': 'text/plain; charset=utf-8' });
  res.end('not found\n');
}

const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
]);

function forwardedHeaders(req, { keepUpgrade = false } = {}) {
  const headers = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (!keepUpgrade && hopByHop.has(key)) continue;
    if (key.startsWith('x-forwarded-') || key === 'forwarded') continue; // the client's say-so
    headers[key] = value;
  }
  headers['x-forwarded-for'] = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  headers['x-forwarded-proto'] = req.socket.encrypted ? 'https' : 'http';
  headers['x-forwarded-host'] = req.headers.host ?? '';
  return headers;
}

/** Request options for `req` sent on to `base` (a URL), same path and query. */
function proxyTarget(base, req) {
  return {
    protocol: base.protocol,
    hostname: base.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: base.port || (base.protocol === 'https:' ? 443 : 80),
    path: req.url,
  };
}

const clientFor = (base) => (base.protocol === 'https:' ? https : http);

/**
 * Sends req on to `base` and its answer back, headers as they are (Set-Cookie included)
 * less the hop-by-hop ones. `unavailable(error)` writes the 502 when `base` does not answer.
 */
function proxyHttp(base, req, res, unavailable) {
  const upstream = clientFor(base).request({ ...proxyTarget(base, req), method: req.method, headers: forwardedHeaders(req) }, (up) => {
    const headers = {};
    for (const [key, value] of Object.entries(up.headers)) if (!hopByHop.has(key)) headers[key] = value;
    res.writeHead(up.statusCode ?? 502, up.statusMessage, headers);
    up.pipe(res);
  });
  upstream.on('error', (error) => {
    if (res.headersSent) return res.destroy(error);
    unavailable(error);
  });
  req.on('aborted', () => upstream.destroy());
  req.pipe(upstream);
}

function routerUnavailable(res) {
  return (error) => {
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ message: `router unavailable: ${error.message}`, extensions: { code: 'BAD_GATEWAY' } }] }));
  };
}

/** In the auth routes' error shape: {"error": {"code", "message"}}; the cause goes to the log. */
function authUnavailable(res) {
  return (error) => {
    console.error(`serve: ${auth.origin} (AUTH_URL) did not answer: ${error.message}`);
    res.writeHead(502, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(
      JSON.stringify({
        error: { code: 'BAD_GATEWAY', message: 'The sign-in service is unavailable right now. Try again in a moment.' },
      }),
    );
  };
}

/** In the REST error shape: {"error": {"code", "message"}}; the cause goes to the log. */
function serviceUnavailable(res, target, name) {
  return (error) => {
    console.error(`serve: ${target.origin} did not answer: ${error.message}`);
    res.writeHead(502, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ error: { code: 'BAD_GATEWAY', message: `The ${name} service is unavailable right now. Try again in a moment.` } }));
  };
}

function proxyUpgrade(req, socket, head) {
  socket.on('error', () => socket.destroy());
  const upstream = clientFor(router).request({
    ...proxyTarget(router, req),
    method: req.method,
    headers: forwardedHeaders(req, { keepUpgrade: true }),
  });
  upstream.on('upgrade', (up, upSocket, upHead) => {
    upSocket.on('error', () => socket.destroy());
    socket.on('error', () => upSocket.destroy());
    let response = `HTTP/1.1 ${up.statusCode} ${up.statusMessage}\r\n`;
    for (let i = 0; i < up.rawHeaders.length; i += 2) response += `${up.rawHeaders[i]}: ${up.rawHeaders[i + 1]}\r\n`;
    socket.write(response + '\r\n');
    if (upHead?.length) socket.write(upHead);
    if (head?.length) upSocket.write(head);
    upSocket.pipe(socket).pipe(upSocket);
    upSocket.on('close', () => socket.destroy());
    socket.on('close', () => upSocket.destroy());
  });
  upstream.on('response', (up) => {
    // the router refused the upgrade: hand its answer back as is
    let response = `HTTP/1.1 ${up.statusCode} ${up.statusMessage}\r\n`;
    for (let i = 0; i < up.rawHeaders.length; i += 2) response += `${up.rawHeaders[i]}: ${up.rawHeaders[i + 1]}\r\n`;
    socket.write(response + '\r\n');
    up.pipe(socket);
  });
  upstream.on('error', () => {
    socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
  });
  upstream.end();
}

const isGraphql = (pathname) => pathname === '/graphql' || pathname.startsWith('/graphql/');
const isAuth = (pathname) => pathname === '/api/auth' || pathname.startsWith('/api/auth/');
const isTodos = (pathname) => pathname === '/api/todos' || pathname.startsWith('/api/todos/');
const isAI = (pathname) => pathname === '/api/ai' || pathname.startsWith('/api/ai/');

const server = http.createServer((req, res) => {
  const { pathname } = new URL(req.url ?? '/', 'http://x');
  if (isGraphql(pathname)) return proxyHttp(router, req, res, routerUnavailable(res));
  if (isAuth(pathname)) return proxyHttp(auth, req, res, authUnavailable(res));
  if (isTodos(pathname)) return proxyHttp(todos, req, res, serviceUnavailable(res, todos, 'todos'));
  if (isAI(pathname)) return proxyHttp(ai, req, res, serviceUnavailable(res, ai, 'ai'));
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' });
    return res.end();
  }
  if (pathname === '/runtime-config.json') {
    res.writeHead(200, { ...securityHeaders, 'content-type': 'application/json', 'cache-control': 'no-store' });
    return res.end(req.method === 'HEAD' ? undefined : runtimeConfig);
  }
  if (pathname === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    return res.end('ok\n');
  }
  const remote = /^\/remotes\/([^/]+)(\/.*)?$/.exec(pathname);
  if (remote) {
    const dist = remotes.get(remote[1]);
    const found = dist && fileUnder(dist, remote[2] ?? '/');
    return found ? sendFile(req, res, found) : notFound(res);
  }
  const found = fileUnder(shellDist, pathname);
  if (found) return sendFile(req, res, found);
  // SPA fallback for client routes; a missing asset (has an extension) stays a 404.
  if (extname(pathname) === '' || pathname.endsWith('.html')) {
    return sendFile(req, res, { file: join(shellDist, 'index.html'), stat: statSync(join(shellDist, 'index.html')) });
  }
  return notFound(res);
});

server.on('upgrade', (req, socket, head) => {
  const { pathname } = new URL(req.url ?? '/', 'http://x');
  if (isGraphql(pathname)) return proxyUpgrade(req, socket, head);
  socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
});

server.listen(port, host, () => {
  const address = server.address();
  const shown = host.includes(':') ? `[${host}]` : host;
  console.log(`web ready http://${shown}:${address.port}`);
  console.log(`  remotes: ${[...remotes.keys()].join(', ') || 'none'}; /graphql -> ${router.origin}; /api/auth -> ${auth.origin}; /api/todos -> ${todos.origin}; /api/ai -> ${ai.origin}`);
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
