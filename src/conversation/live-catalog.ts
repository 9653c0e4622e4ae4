import type { Logger } from '../shared/logger';
import { everyFlowVersion, latestLayers, overlayContent } from './content-overlay';
import type { ContentVersionRepository } from './content-version-repository';
import type { FlowCatalog } from './flow-catalog';
import { buildCatalog, type CatalogOptions, type CatalogSources } from './flow-files';
import { CatalogError } from './flow-validation';

/**
 * The catalog chats run on: the shipped files overlaid with the latest published versions. A
 * publish on this server swaps it at once (`refresh`); other servers sharing the database notice
 * the catalog revision moved on their next poll and rebuild.
 */
export interface LiveCatalog {
  current(): FlowCatalog;
  /** The texts the current catalog was built from: what drafts are validated against. */
  sources(): CatalogSources;
  /** Rebuilds from the database now. */
  refresh(): Promise<void>;
  /** Rebuilds only if another server published since the last build: one small read. */
  refreshIfChanged(): Promise<boolean>;
  /** Polls the catalog revision every `seconds` until `stop()`. */
  startPolling(seconds: number): void;
  stop(): void;
}

export async function createLiveCatalog(deps: {
  shipped: CatalogSources;
  shippedCatalog: FlowCatalog;
  contentVersions: ContentVersionRepository;
  options: CatalogOptions;
  logger: Logger;
}): Promise<LiveCatalog> {
  let catalog = deps.shippedCatalog;
  let sources = deps.shipped;
  let builtAt = -1;
  let timer: NodeJS.Timeout | undefined;
  let refreshing: Promise<void> | undefined;

  async function rebuild(): Promise<void> {
    // The revision is read first: a publish landing during the build moves it again, so the next check rebuilds.
    const revision = await deps.contentVersions.catalogRevision();
    const versions = await deps.contentVersions.allVersions();
    const live = overlayContent(deps.shipped, latestLayers(versions));
    try {
      catalog = buildCatalog(live, deps.options, everyFlowVersion(deps.shipped, versions));
      sources = live;
    } catch (error) {
      if (!(error instanceof CatalogError)) throw error;
      // Possible after a deploy changed a shipped file that a published version depends on: keep chatting on what we have.
      deps.logger.error(
        { problems: error.problems },
        'the published flows and templates do not fit the shipped files; the chats keep the previous catalog until a fix is published (POST /admin/api/flows/:id/reset or templates)',
      );
    }
    builtAt = revision;
  }

  // One rebuild at a time; a caller arriving meanwhile waits for it and then rebuilds again, so it sees its own publish.
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
    if ((await deps.contentVersions.catalogRevision()) === builtAt) return false;
    await refresh();
    return true;
  }

  await refresh();

  return {
    current: () => catalog,
    sources: () => sources,
    refresh,
    refreshIfChanged,
    startPolling(seconds) {
      if (timer) return;
      timer = setInterval(() => {
        refreshIfChanged().catch((error: unknown) => deps.logger.warn({ err: error }, 'could not check the catalog revision'));
      }, seconds * 1000);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
