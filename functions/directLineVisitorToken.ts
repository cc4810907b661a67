import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { foreignOrigin } from '../shared/http/directLineEdge';
import { edge, json, param, readBody } from '../shared/http/edge';
import { visitorTokenBody } from '../shared/http/schemas';
import { visitorToken } from '../shared/usecases/directLine';

/** The hosted page's token for an anonymous visitor, with the pre-chat answers; limited as chat starts are. */
export const directLineVisitorToken = edge(async (request) => {
  const s = await services();
  return json(201, visitorToken(s, param(request, 'site'), await readBody(request, visitorTokenBody, { allowEmpty: true }), foreignOrigin(s, request)));
});

registerHttp({ name: 'directLineVisitorToken', methods: ['POST', 'OPTIONS'], route: 'directline/sites/{site}/tokens', handler: directLineVisitorToken, rateLimit: 'chatStart', cors: 'directLine' });
