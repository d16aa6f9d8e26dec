import { Component, type ErrorInfo, type ReactNode } from 'react';
import { Alert } from '@fedstack/ui/alert';
import { Button } from '@fedstack/ui/button';

export interface RemoteErrorBoundaryProps {
  /** What the user would call the remote, e.g. "Todos". */
  label: string;
  /** Called by "Try again" after the boundary resets. */
  onRetry?: () => void;
  children: ReactNode;
}

interface State {
  error: Error | null;
}

/**
 * Wraps every remote: if the remote cannot be fetched or throws while rendering, the user
 * sees a fallback with a retry instead of a blank shell, and the rest of the shell keeps
 * working.
 */
export class RemoteErrorBoundary extends Component<RemoteErrorBoundaryProps, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error(`[shell] remote "${this.props.label}" failed`, error, info.componentStack);
  }

  private retry = () => {
    this.setState({ error: null });
    this.props.onRetry?.();
  };

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <Alert>
        <p style={{ margin: '0 0 8px', fontWeight: 600 }}>{this.props.label} is unavailable right now.</p>
        <p style={{ margin: '0 0 8px' }}>The rest of the app still works. Try again in a moment.</p>
        <details style={{ margin: '0 0 8px', fontSize: 14 }}>
          <summary>Details</summary>
          <code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>{this.state.error.message}</code>
        </details>
        <Button variant="secondary" onClick={this.retry}>
          Try again
        </Button>
      </Alert>
    );
  }
}
