import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../shared/logger';

export interface ScheduledJob {
  name: string;
  cron: string;
  run: () => Promise<unknown>;
}

/** Maps cron expressions (in the loyalty time zone) to use cases, nothing else. */
export function startScheduler(jobs: ScheduledJob[], zone: string, logger: Logger): { stop(): Promise<void> } {
  const tasks: ScheduledTask[] = jobs.map((job) =>
    cron.schedule(
      job.cron,
      async () => {
        try {
          const result = await job.run();
          logger.debug({ job: job.name, result }, 'job finished');
        } catch (error) {
          logger.error({ err: error, job: job.name }, 'job failed');
        }
      },
      { timezone: zone, name: job.name, noOverlap: true },
    ),
  );
  return {
    async stop() {
      await Promise.all(tasks.map((task) => task.stop()));
    },
  };
}
