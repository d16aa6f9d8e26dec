import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { registerRuntimeRemotes } from '../lib/remotes.ts';
import { defaultRuntimeConfig, fetchRuntimeConfig } from '../lib/runtime-config.ts';
import { AppProvider } from './provider.tsx';
import { AppRouter } from './router.tsx';

async function start() {
  const config = await fetchRuntimeConfig().catch((error: unknown) => {
    console.error('[shell] /runtime-config.json could not be read; remotes are unavailable', error);
    return defaultRuntimeConfig;
  });
  registerRuntimeRemotes(config.remotes);
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <AppProvider config={config}>
        <AppRouter />
      </AppProvider>
    </StrictMode>,
  );
}

void start();
