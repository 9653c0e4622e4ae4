import type { Logger } from './logger';

/**
 * Keeps a value built from the database current on every server sharing it: a write bumps a
 * stored revision number, and each server reads that number every few seconds (one small read)
 * and rebuilds only when it moved. No change streams (DATABASE.md: the embedded server has none).
 */
export interface RevisionFollower {
  /** Rebuilds from the database now. */
  refresh(): Promise<void>;
  /** Rebuilds only if the revision moved since the last build. */
  refreshIfChanged(): Promise<boolean>;
  /** Checks the revision every `seconds` until `stop()`. */
  startPolling(seconds: number): void;
  stop(): void;
}

export function followRevision(deps: {
  revision(): Promise<number>;
  rebuild(): Promise<void>;
  /** What is rebuilt, for the warning when the revision cannot be read ("the catalog revision"). */
  what: string;
  logger: Logger;
}): RevisionFollower {
  let builtAt = -1;
  let timer: NodeJS.Timeout | undefined;
  let refreshing: Promise<void> | undefined;

  async function rebuild(): Promise<void> {
    // The revision is read first: a write landing during the build moves it again, so the next check rebuilds.
    const revision = await deps.revision();
    await deps.rebuild();
    builtAt = revision;
  }

  // One rebuild at a time; a caller arriving meanwhile waits for it and then rebuilds again, so it sees its own write.
  async function refresh(): Promise<void> {
    while (refreshing) await refreshing.catch(() => undefined);
    refreshing = rebuild();
    try {
      await refreshing;
    } finally {
      refreshing = undefined;
    }
  }

  async function refreshIfChanged(): Promise<boolean> {
    if ((await deps.revision()) === builtAt) return false;
    await refresh();
    return true;
  }

  return {
    refresh,
    refreshIfChanged,
    startPolling(seconds) {
      if (timer) return;
      timer = setInterval(() => {
        refreshIfChanged().catch((error: unknown) => deps.logger.warn({ err: error }, `could not check ${deps.what}`));
      }, seconds * 1000);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
