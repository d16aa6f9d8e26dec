import { lazy, Suspense, useMemo, useState, type ComponentType } from 'react';
import { Spinner } from '@fedstack/ui/spinner';
import { RemoteErrorBoundary } from '../../../components/errors/remote-error-boundary.tsx';
import { loadRemoteComponent } from '../../../lib/remotes.ts';

export type RemoteLoader = <P>(id: string) => Promise<{ default: ComponentType<P> }>;

export interface RemoteOutletProps<P extends object> {
  /** "<remote>/<expose>", e.g. "todos/todos-app". */
  id: string;
  label: string;
  props: P;
  /** For tests; defaults to the Module Federation runtime. */
  load?: RemoteLoader;
}

/** Renders a remote's exposed component, lazily, inside an error boundary with a fallback. */
export function RemoteOutlet<P extends object>({ id, label, props, load = loadRemoteComponent }: RemoteOutletProps<P>) {
  const [attempt, setAttempt] = useState(0);
  const Remote = useMemo(
    () => lazy(() => load<P>(id)),
    // a new lazy component per attempt, so "Try again" fetches again
    [id, load, attempt],
  );
  return (
    <RemoteErrorBoundary key={attempt} label={label} onRetry={() => setAttempt((n) => n + 1)}>
      <Suspense fallback={<Spinner label={`Loading ${label}…`} />}>
        <Remote {...props} />
      </Suspense>
    </RemoteErrorBoundary>
  );
}
