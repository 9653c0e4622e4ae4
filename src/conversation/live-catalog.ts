import type { Logger } from '../shared/logger';
import { everyFlowVersion, latestLayers, overlayContent } from './content-overlay';
import type { ContentVersionRepository } from './content-version-repository';
import type { FlowCatalog } from './flow-catalog';
import { buildCatalog, type CatalogOptions, type CatalogSources } from './flow-files';
import { CatalogError } from './flow-validation';
import { followRevision, type RevisionFollower } from '../shared/revision-follower';

/**
 * The catalog chats run on: the shipped files overlaid with the latest published versions. A
 * publish on this server swaps it at once (`refresh`); other servers sharing the database notice
 * the catalog revision moved on their next poll and rebuild.
 */
export interface LiveCatalog extends RevisionFollower {
  current(): FlowCatalog;
  /** The texts the current catalog was built from: what drafts are validated against. */
  sources(): CatalogSources;
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

  const follower = followRevision({
    revision: () => deps.contentVersions.catalogRevision(),
    async rebuild() {
      const versions = await deps.contentVersions.allVersions();
      const live = overlayContent(deps.shipped, latestLayers(versions), { keepTemplatesUnderneath: true });
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
    },
    what: 'the catalog revision',
    logger: deps.logger,
  });

  await follower.refresh();

  return { current: () => catalog, sources: () => sources, ...follower };
}
