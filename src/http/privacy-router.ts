import { Router } from 'express';
import type { ExportLinks } from '../privacy/export-link';
import { exportMemberData } from '../privacy/export-member-data';
import type { Repositories } from '../repositories';
import type { Clock } from '../shared/clock';
import { HttpError } from './error-handler';

/** `/privacy`: the member's data download behind the signed link they got in chat. */
export function createPrivacyRouter(deps: { exportLinks: ExportLinks; repositories: Repositories; clock: Clock }): Router {
  const router = Router();

  router.get('/export/:token', async (req, res) => {
    const now = deps.clock.now();
    // The link is a credential: keep it out of caches and out of the Referer of anything the file links to.
    res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', 'X-Robots-Tag': 'noindex' });
    const check = await deps.exportLinks.check(req.params.token, now);
    switch (check.kind) {
      case 'malformed':
        throw new HttpError(404, 'export_link_not_found', 'This is not a data download link; copy the whole link from the chat');
      case 'tampered':
        throw new HttpError(403, 'export_link_invalid', 'This download link is not valid; ask for a new one in the chat ("export my data")');
      case 'expired':
        throw new HttpError(410, 'export_link_expired', 'This download link has expired; ask for a new one in the chat ("export my data")');
    }
    const data = await exportMemberData(deps.repositories, check.memberId, now);
    if (data === null) throw new HttpError(404, 'member_not_found', 'There is no longer any member data behind this link');
    res.attachment(`my-data-${now.toFormat('yyyy-MM-dd')}.json`);
    res.type('application/json').send(JSON.stringify(data, null, 2));
  });

  return router;
}
