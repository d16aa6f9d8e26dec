import { useState } from 'react';
import { Alert } from '@fedstack/ui/alert';
import { Button } from '@fedstack/ui/button';
import { useAuthStore } from '../../lib/auth-store.ts';
import { useSessionManager } from '../../lib/session-context.ts';

/**
 * Shown when the start-up refresh got no answer (not a refusal): the user may well still
 * have a session, so offer to check again rather than only the sign-in form.
 */
export function RestoreNotice() {
  const failed = useAuthStore((s) => s.restoreFailed);
  const manager = useSessionManager();
  const [busy, setBusy] = useState(false);
  if (!failed) return null;
  return (
    <Alert tone="info">
      <p style={{ margin: '0 0 8px' }}>Your session could not be checked: the server did not answer.</p>
      <Button
        variant="secondary"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          void manager.restore().finally(() => setBusy(false));
        }}
      >
        Check again
      </Button>
    </Alert>
  );
}
