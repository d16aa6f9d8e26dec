// Stand-alone page of the remote (its own dev server or dist): a tiny harness that mounts the
// exposed component with a token pasted by hand, in its own in-memory router. The product
// loads the remote in the shell, at /ai.
import { StrictMode, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { MemoryRouter, Route, Routes } from 'react-router';
import AiApp from './ai-app.tsx';

function Harness() {
  const token = useRef<string | null>(null);
  const [draft, setDraft] = useState('');
  const [mounted, setMounted] = useState(false);
  const [getToken] = useState(() => () => token.current);
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: 24 }}>
      <h1>Assistant remote</h1>
      <p>This remote is meant to run inside the shell. For a quick look, paste an access token.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          token.current = draft.trim() || null;
          setMounted(true);
        }}
      >
        <label>
          Access token <input value={draft} onChange={(e) => setDraft(e.target.value)} />
        </label>{' '}
        <button type="submit">Use</button>
      </form>
      {mounted ? (
        <MemoryRouter initialEntries={['/ai']}>
          <Routes>
            <Route path="/ai/*" element={<AiApp client={{ url: '/graphql', getToken }} basePath="/ai" />} />
          </Routes>
        </MemoryRouter>
      ) : null}
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Harness />
  </StrictMode>,
);
