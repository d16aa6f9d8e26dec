import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ComponentType } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RemoteOutlet, type RemoteLoader } from './remote-outlet.tsx';

function Greeting({ who }: { who: string }) {
  return <p>Hello from the remote, {who}</p>;
}

function Broken(): never {
  throw new Error('remote crashed while rendering');
}

const loaderOf = (...steps: Array<ComponentType<{ who: string }> | Error>) => {
  const load = vi.fn(async () => {
    const step = steps.shift();
    if (!step || step instanceof Error) throw step ?? new Error('no more steps');
    return { default: step };
  });
  return load as unknown as RemoteLoader & typeof load;
};

beforeEach(() => {
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('RemoteOutlet', () => {
  it('renders the remote with the props the shell gives it', async () => {
    const load = loaderOf(Greeting);
    render(<RemoteOutlet id="todos/todos-app" label="Todos" props={{ who: 'Ada' }} load={load} />);
    expect(await screen.findByText('Hello from the remote, Ada')).toBeInTheDocument();
    expect(load).toHaveBeenCalledWith('todos/todos-app');
  });

  it('shows a fallback when the remote cannot be loaded, and loads it again on retry', async () => {
    const load = loaderOf(new Error('Failed to fetch /remotes/todos/mf-manifest.json'), Greeting);
    render(
      <>
        <nav>Shell navigation</nav>
        <RemoteOutlet id="todos/todos-app" label="Todos" props={{ who: 'Ada' }} load={load} />
      </>,
    );

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Todos is unavailable right now.');
    expect(alert).toHaveTextContent('Failed to fetch /remotes/todos/mf-manifest.json');
    expect(screen.getByText('Shell navigation')).toBeInTheDocument();

    await userEvent.setup().click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Hello from the remote, Ada')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('contains a remote that throws while rendering', async () => {
    render(<RemoteOutlet id="todos/todos-app" label="Todos" props={{ who: 'Ada' }} load={loaderOf(Broken)} />);
    expect(await screen.findByRole('alert')).toHaveTextContent('remote crashed while rendering');
  });
});
