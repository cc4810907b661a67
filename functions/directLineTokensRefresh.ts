import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { callerOf } from '../shared/http/directLineEdge';
import { edge, json, readBody } from '../shared/http/edge';
import { emptyBody } from '../shared/http/schemas';
import { refreshToken } from '../shared/usecases/directLine';

export const directLineTokensRefresh = edge(async (request) => {
  const s = await services();
  const caller = callerOf(s, request);
  // DLJS sends no body; one that is there must be `{}`, as on every route that takes none (a body ignored hides a client's bug).
  await readBody(request, emptyBody, { allowEmpty: true });
  return json(200, await refreshToken(s, caller));
});

registerHttp({ name: 'directLineTokensRefresh', methods: ['POST', 'OPTIONS'], route: 'directline/tokens/refresh', handler: directLineTokensRefresh, rateLimit: 'customer', cors: 'directLine' });
