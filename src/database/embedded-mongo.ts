import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** The folder holding package.json, whether this runs from src/ (tsx) or dist/src/ (compiled). */
function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'embedded-mongo', 'pom.xml')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const cacheDir = join(projectRoot(), '.cache', 'embedded-mongo');

/** The launcher's classes and the jars it runs on, as `java -cp` and `javac -cp` take them. */
export const embeddedMongoClassPath = [join(cacheDir, 'classes'), join(cacheDir, 'lib', '*')].join(':');

export interface EmbeddedMongoOptions {
  /** `memory` for tests; `h2` keeps the data in `<dataDir>/mongo.mv.db`. */
  backend: 'memory' | 'h2';
  dataDir?: string;
  port?: number;
  heapMegabytes?: number;
}

export interface EmbeddedMongo {
  uri: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Starts mongo-java-server (DATABASE.md) through embedded-mongo/EmbeddedMongo.java on 127.0.0.1. */
export async function startEmbeddedMongo(options: EmbeddedMongoOptions): Promise<EmbeddedMongo> {
  if (!existsSync(join(cacheDir, 'classes', 'EmbeddedMongo.class'))) {
    throw new Error(
      'The embedded database is not installed: run `npm install` (it needs Maven and a JDK 17), or set MONGODB_URI to a MongoDB server.',
    );
  }
  const extraJavaOptions = (process.env.EMBEDDED_MONGO_JAVA_OPTS ?? '').split(/\s+/).filter(Boolean);
  const choosesCollector = extraJavaOptions.some((option) => /^-XX:\+Use\w+GC$/.test(option));
  const args = [
    `-Xmx${options.heapMegabytes ?? 384}m`,
    ...(choosesCollector ? [] : ['-XX:+UseSerialGC']),
    ...extraJavaOptions,
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
    '-cp',
    embeddedMongoClassPath,
    'EmbeddedMongo',
  ];
  if (options.backend === 'h2') {
    const dataDir = resolve(options.dataDir ?? './data');
    mkdirSync(dataDir, { recursive: true });
    args.push('h2', join(dataDir, 'mongo.mv.db'));
  } else {
    args.push('memory');
  }
  args.push(String(options.port ?? 0));

  const child = spawn('java', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const port = await waitForPort(child);
  let stopped: Promise<void> | undefined;
  return {
    port,
    uri: `mongodb://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    stop: () => (stopped ??= stopChild(child)),
  };
}

function waitForPort(child: ChildProcess): Promise<number> {
  return new Promise((resolvePort, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', (error) =>
      reject(new Error(`Could not start the embedded database (is Java 17 installed?): ${error.message}`)),
    );
    child.once('exit', (code) =>
      reject(new Error(`The embedded database exited with code ${code} before it was ready:\n${stderr.trim()}`)),
    );
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /^LISTENING (\d+)$/.exec(line.trim());
      if (match) resolvePort(Number(match[1]));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}
