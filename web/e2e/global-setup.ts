import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Starts what the browser tests need and sets E2E_BASE_URL and E2E_ROUTER_URL for them.
//   E2E_STACK=stack (default): <repo>/scripts/stack.sh on free ports, waiting (180 s) for
//     its "open http://127.0.0.1:<port>" line. It expects web/apps/*/dist to be built.
//   E2E_BASE_URL (and E2E_ROUTER_URL) set: use that running stack as is.
// Output of the started processes goes to e2e/test-results/stack.log.

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, '..');
const repoRoot = resolve(webDir, '..');
const STARTUP_TIMEOUT_MS = 180_000;

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}

function start(name: string, command: string, args: string[], env: Record<string, string>, log: NodeJS.WritableStream) {
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so teardown can stop everything it started
  });
  child.stdout?.on('data', (c: Buffer) => log.write(`[${name}] ${c}`));
  child.stderr?.on('data', (c: Buffer) => log.write(`[${name}] ${c}`));
  return child;
}

function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  return new Promise((resolveLine, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what}: no "${pattern}" within ${STARTUP_TIMEOUT_MS / 1000} s`)), STARTUP_TIMEOUT_MS);
    const onData = (c: Buffer) => {
      seen += c.toString();
      const m = pattern.exec(seen);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolveLine(m);
      }
    };
    child.stdout?.on('data', onData);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}) before it was ready; see e2e/test-results/stack.log`));
    });
  });
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000));
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export default async function globalSetup() {
  if (process.env.E2E_BASE_URL) return;
  const mode = process.env.E2E_STACK ?? 'stack';
  for (const app of ['shell', 'todos', 'ai']) {
    if (!existsSync(join(webDir, 'apps', app, 'dist', 'index.html'))) {
      throw new Error(`web/apps/${app}/dist is missing: run \`pnpm -C web build\` before the e2e`);
    }
  }
  mkdirSync(join(here, 'test-results'), { recursive: true });
  const log = createWriteStream(join(here, 'test-results', 'stack.log'));
  const children: ChildProcess[] = [];
  const cleanups: Array<() => void> = [];

  try {
    if (mode === 'stack') {
      const script = join(repoRoot, 'scripts', 'stack.sh');
      const dataDir = mkdtempSync(join(tmpdir(), 'fedstack-e2e-'));
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
      const [routerPort, authPort, aiPort, todosPort, webPort] = [
        await freePort(), await freePort(), await freePort(), await freePort(), await freePort(),
      ];
      const stack = start('stack', 'bash', [script], {
        STACK_ROUTER_PORT: String(routerPort),
        STACK_AUTH_PORT: String(authPort),
        STACK_AI_PORT: String(aiPort),
        STACK_TODOS_PORT: String(todosPort),
        STACK_WEB_PORT: String(webPort),
        STACK_DATA_DIR: dataDir,
        STACK_DB_NAME: `fedstack_e2e_${Date.now().toString(36)}_${process.pid}`,
      }, log);
      children.push(stack);
      const m = await waitForLine(stack, /^open (http:\/\/\S+)/m, 'scripts/stack.sh');
      process.env.E2E_BASE_URL = m[1];
      process.env.E2E_ROUTER_URL = `http://127.0.0.1:${routerPort}/graphql`;
    } else {
      throw new Error(`E2E_STACK must be "stack", not "${mode}"`);
    }
  } catch (error) {
    for (const child of children.reverse()) await stop(child);
    for (const cleanup of cleanups) cleanup();
    log.end();
    throw error;
  }

  return async () => {
    for (const child of children.reverse()) await stop(child);
    for (const cleanup of cleanups) cleanup();
    log.end();
  };
}
