import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { callerOf } from '../shared/http/directLineEdge';
import { edge, json } from '../shared/http/edge';
import { refreshToken } from '../shared/usecases/directLine';

export const directLineTokensRefresh = edge(async (request) => {
  const s = await services();
  return json(200, refreshToken(s, callerOf(s, request)));
});

registerHttp({ name: 'directLineTokensRefresh', methods: ['POST', 'OPTIONS'], route: 'directline/tokens/refresh', handler: directLineTokensRefresh, rateLimit: 'customer', cors: 'directLine' });
