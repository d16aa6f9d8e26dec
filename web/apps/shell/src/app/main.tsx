import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { registerRuntimeRemotes } from '../lib/remotes.ts';
import { defaultRuntimeConfig, fetchRuntimeConfig } from '../lib/runtime-config.ts';
import { sessionManager } from '../lib/session.ts';
import { AppProvider } from './provider.tsx';
import { AppRouter } from './router.tsx';

async function start() {
  // One refresh from the HttpOnly cookie, alongside the runtime config: a reload keeps the
  // user signed in. Until it answers the app shows a neutral loading state.
  void sessionManager.restore();
  const config = await fetchRuntimeConfig().catch((error: unknown) => {
    console.error('[shell] /runtime-config.json could not be read; remotes are unavailable', error);
    return defaultRuntimeConfig;
  });
  registerRuntimeRemotes(config.remotes);
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <AppProvider config={config} session={sessionManager}>
        <AppRouter />
      </AppProvider>
    </StrictMode>,
  );
}

void start();
