import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { edge, json } from '../shared/http/edge';
import { describeSite, listSites } from '../shared/usecases/directLine';

/** What the hosted chat page reads: the sites' names and titles, and one site's pre-chat questions. */
export const directLineSites = edge(async (request) => {
  const s = await services();
  const site = request.params.site;
  return json(200, site === undefined ? listSites(s) : describeSite(s, site));
});

registerHttp({ name: 'directLineSites', methods: ['GET', 'OPTIONS'], route: 'directline/sites/{site?}', handler: directLineSites, rateLimit: 'customer', cors: 'directLine' });
