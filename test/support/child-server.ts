import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const projectRoot = resolve(__dirname, '..', '..');

export interface ChildServer {
  pid: number;
  port: number;
  baseUrl: string;
  startupMs: number;
  /** Resolves with the signal or exit code once the process is gone. */
  exited: Promise<string>;
  /** SIGKILL: no shutdown handler runs, requests in flight are cut off mid-way. */
  kill(): Promise<string>;
  /** The last lines the server wrote to stdout and stderr, for failure messages. */
  recentOutput(): string;
}

/**
 * The real server (src/main.ts) as a child process on a free port, ready when /readyz answers 200.
 * It runs as `node --import tsx` so that the child's pid is the server itself: `tsx` and `npx tsx`
 * start the server as a grandchild, and SIGKILL on their pid leaves that grandchild running.
 */
export async function startChildServer(
  env: Record<string, string>,
  readyWithinMs = 20_000,
  /** Extra node flags, e.g. `--cpu-prof` (not allowed in NODE_OPTIONS). */
  nodeArgs: string[] = [],
): Promise<ChildServer> {
  const startedAt = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], {
    cwd: projectRoot,
    env: { ...inheritedEnv(), PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const remember = (line: string) => {
    output.push(line);
    if (output.length > 300) output.shift();
  };
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<string>((resolveExit) => {
    child.once('exit', (code, signal) => {
      process.removeListener('exit', killOnExit);
      resolveExit(signal ?? `exit code ${code}`);
    });
  });
  createInterface({ input: child.stderr! }).on('line', remember);
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`The server did not log its port within ${readyWithinMs} ms:\n${output.join('\n')}`)), readyWithinMs);
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`The server stopped (${how}) before it listened:\n${output.join('\n')}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      remember(line);
      const match = /bot server listening on port (\d+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolvePort(Number(match[1]));
      }
    });
  }).catch(async (error: unknown) => {
    await kill(child, exited);
    throw error;
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilReady(baseUrl, startedAt + readyWithinMs).catch(async (error: unknown) => {
    await kill(child, exited);
    throw error;
  });
  return {
    pid: child.pid!,
    port,
    baseUrl,
    startupMs: Math.round(performance.now() - startedAt),
    exited,
    kill: () => kill(child, exited),
    recentOutput: () => output.join('\n'),
  };
}

function kill(child: ChildProcess, exited: Promise<string>): Promise<string> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  return exited;
}

async function waitUntilReady(baseUrl: string, deadline: number): Promise<void> {
  let last = '';
  while (performance.now() < deadline) {
    try {
      const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (response.status === 200) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
  throw new Error(`${baseUrl}/readyz did not answer 200 in time; last answer: ${last}`);
}

/** The parent's env without anything that would point the child at other services or channels. */
function inheritedEnv(): Record<string, string> {
  const dropped = /^(MONGODB_URI|TEST_MONGODB_URI|PORT|DATA_DIR|ADMIN_TOKENS|DEMO_DATA|LINE_|MESSENGER_|MICROSOFT_|BOTFRAMEWORK_|PUBLIC_BASE_URL)/;
  return Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && !dropped.test(entry[0])),
  );
}
