import { api } from './api.js';

const pollIntervalMs = 500;

/**
 * Follows a job run started with `background: true` (202 { runId, statusUrl }): reads its status
 * about every half second and hands each reading to `onProgress`. Resolves with the run once it
 * ended (succeeded, failed or leaseHeld), or null when `keepFollowing()` says the page moved on
 * (the run goes on on the server either way).
 */
export async function followJobRun(statusUrl, { onProgress, keepFollowing = () => true }) {
  const path = statusUrl.replace(/^\/admin\/api(?=\/)/, '');
  for (;;) {
    const run = await api.get(path);
    onProgress(run);
    if (run.state !== 'running') return run;
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
    if (!keepFollowing()) return null;
  }
}
