import { randomBytes } from 'node:crypto';
import { startChildServer, type ChildServer } from '../support/child-server';
import { testMongoUri, uriWithDatabase } from '../support/mongo';

// `npm start` runs the server under npm and tsx, which pass a signal on to it: one Ctrl-C in a terminal, or one
// SIGTERM to the process group from an orchestrator, reaches the server twice at once. That must still be one
// graceful shutdown (events in flight finished, the database closed, "stopped" logged), not a kill half-way.
describe('stopping the real server', () => {
  const serverEnv = () => ({
    MONGODB_URI: uriWithDatabase(testMongoUri(), `signals_${randomBytes(6).toString('hex')}`),
    ADMIN_TOKENS: 'admin:shutdown-signals-admin-token',
    DEMO_DATA: 'false',
  });

  /** The passed-on copy comes once the server has begun to act on the first (signals still pending merge into one). */
  async function untilShuttingDown(server: ChildServer): Promise<void> {
    const deadline = performance.now() + 10_000;
    while (!server.recentOutput().includes('shutting down') && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`shuts down gracefully when ${signal} arrives twice at once`, async () => {
      const server = await startChildServer(serverEnv());
      process.kill(server.pid, signal);
      await untilShuttingDown(server);
      process.kill(server.pid, signal);
      expect(await server.exited).toBe('exit code 0');
      expect(server.recentOutput()).toContain('"msg":"stopped"');
    }, 30_000);
  }

  it('lets the demo seed it started after listening finish before it closes the database', async () => {
    const server = await startChildServer({ ...serverEnv(), DEMO_DATA: 'true' });
    process.kill(server.pid, 'SIGTERM');
    expect(await server.exited).toBe('exit code 0');
    const output = server.recentOutput();
    expect(output).toContain('"msg":"stopped"');
    expect(output).not.toContain('"level":50');
  }, 30_000);
});
