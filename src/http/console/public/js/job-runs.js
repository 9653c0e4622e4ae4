import { api } from './api.js';

const pollIntervalMs = 500;
/** About five seconds of failed readings in a row. */
const maxFailedReadings = 10;

/**
 * Follows a job run started with `background: true` (202 { runId, statusUrl }): reads its status
 * about every half second and hands each reading to `onProgress`, riding out a few seconds of
 * failed readings. Resolves with the run once it ended (succeeded, failed or leaseHeld), or null
 * when `keepFollowing()` says the page moved on (the run goes on on the server either way).
 */
export async function followJobRun(statusUrl, { onProgress, keepFollowing = () => true }) {
  const path = statusUrl.replace(/^\/admin\/api(?=\/)/, '');
  let failedReadings = 0;
  for (;;) {
    let run;
    try {
      run = await api.get(path);
      failedReadings = 0;
    } catch (error) {
      // A blip (network, a restarting server behind the load balancer) is no reason to report the run as failed:
      // it goes on on the server. Only a refusal, or the blip lasting, ends the following.
      const transient = error.status === 0 || error.status >= 500;
      failedReadings += 1;
      if (!transient || failedReadings > maxFailedReadings) throw error;
    }
    if (run !== undefined) {
      onProgress(run);
      if (run.state !== 'running') return run;
    }
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
    if (!keepFollowing()) return null;
  }
}
