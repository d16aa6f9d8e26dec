import { federation } from '@module-federation/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { sharedSingletons } from '@fedstack/config/federation';
import pkg from './package.json' with { type: 'json' };

// The ai remote (the assistant's chat). Built, it is served under /remotes/ai/ (serve.mjs,
// Caddy), so that is its base: the manifest's publicPath and every chunk URL point there.
// In dev it runs on 5175 and the shell (5173) loads it from there, with React Fast Refresh
// wired to the shell. react-router is a shared singleton: the remote's routes
// (/ai/:conversationId) live inside the shell's router.
const DEV_PORT = Number(process.env.WEB_AI_PORT ?? 5175);
const SHELL_ORIGIN = process.env.SHELL_ORIGIN ?? `http://localhost:${process.env.WEB_SHELL_PORT ?? 5173}`;

export default defineConfig(({ command }) => ({
  base: command === 'build' ? '/remotes/ai/' : '/',
  plugins: [
    react({ reactRefreshHost: SHELL_ORIGIN }),
    federation({
      name: 'ai',
      filename: 'remoteEntry.js',
      manifest: true,
      exposes: {
        './ai-app': './src/app/ai-app.tsx',
      },
      shared: sharedSingletons(pkg.dependencies),
      dts: false,
    }),
  ],
  server: {
    port: DEV_PORT,
    strictPort: true,
    origin: `http://localhost:${DEV_PORT}`,
    cors: true,
    proxy: {
      '/graphql': { target: process.env.ROUTER_URL ?? 'http://127.0.0.1:4000', ws: true },
    },
  },
  preview: { port: DEV_PORT, strictPort: true },
  build: { target: 'es2022' },
}));
