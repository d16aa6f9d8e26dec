import { federation } from '@module-federation/vite';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { sharedSingletons } from '@fedstack/config/federation';
import pkg from './package.json' with { type: 'json' };

// The shell (host). It has no build-time remotes: it reads their manifest URLs from
// /runtime-config.json at start and registers them with the federation runtime, so a
// remote can be redeployed without rebuilding the shell. Built, it is served by
// web/scripts/serve.mjs (or Caddy), which writes that file from the environment; in dev
// this server writes it, pointing at the remotes' dev servers, and proxies /graphql (HTTP
// and websocket) to the router and /api/auth/* (sign-in, refresh cookie) to the auth
// service, so the browser sees one origin.
// Dev ports can move (WEB_SHELL_PORT, WEB_AI_PORT, WEB_TODOS_PORT) so a second checkout can run beside.
const PORT = Number(process.env.WEB_SHELL_PORT ?? 5173);
const TODOS_PORT = Number(process.env.WEB_TODOS_PORT ?? 5176);
const AI_PORT = Number(process.env.WEB_AI_PORT ?? 5175);
const ROUTER_URL = process.env.ROUTER_URL ?? 'http://127.0.0.1:4000';
const AUTH_URL = process.env.AUTH_URL ?? 'http://127.0.0.1:4001';
const AI_URL = process.env.AI_URL ?? 'http://127.0.0.1:4002';
const TODOS_URL = process.env.TODOS_URL ?? 'http://127.0.0.1:4003';
const TODOS_REMOTE = process.env.TODOS_REMOTE_URL ?? `http://localhost:${TODOS_PORT}/mf-manifest.json`;
const AI_REMOTE = process.env.AI_REMOTE_URL ?? `http://localhost:${AI_PORT}/mf-manifest.json`;

function devRuntimeConfig(): Plugin {
  return {
    name: 'fedstack-dev-runtime-config',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use('/runtime-config.json', (_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.setHeader('cache-control', 'no-store');
        res.end(JSON.stringify({ graphqlUrl: '/graphql', remotes: { todos: TODOS_REMOTE, ai: AI_REMOTE } }));
      });
    },
  };
}

export default defineConfig({
  plugins: [
    react(),
    devRuntimeConfig(),
    federation({
      name: 'shell',
      remotes: {},
      shared: sharedSingletons(pkg.dependencies),
      dts: false,
    }),
  ],
  server: {
    port: PORT,
    strictPort: true,
    proxy: {
      '/graphql': { target: ROUTER_URL, ws: true },
      // Before '/api' (the first matching key wins). The Host header stays the page's
      // (changeOrigin off) and Cookie / Set-Cookie pass unchanged, so the HttpOnly refresh
      // cookie belongs to this origin. Like serve.mjs, this server is the edge: its
      // X-Forwarded-For/-Proto/-Host replace whatever the client sent.
      '/api/auth/': {
        target: AUTH_URL,
        changeOrigin: false,
        configure: (proxy) => {
          proxy.on('proxyReq', (proxyReq, req) => {
            const socket = req.socket as typeof req.socket & { encrypted?: boolean };
            proxyReq.removeHeader('forwarded');
            proxyReq.removeHeader('x-forwarded-port');
            proxyReq.setHeader('x-forwarded-for', (socket.remoteAddress ?? '').replace(/^::ffff:/, ''));
            proxyReq.setHeader('x-forwarded-proto', socket.encrypted ? 'https' : 'http');
            proxyReq.setHeader('x-forwarded-host', req.headers.host ?? '');
          });
        },
      },
      '/api/ai/': { target: AI_URL },
      '/api/todos': { target: TODOS_URL },
    },
  },
  preview: { port: PORT, strictPort: true },
  build: { target: 'es2022' },
});
