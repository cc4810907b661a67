import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { callerOf } from '../shared/http/directLineEdge';
import { edge, json, readBody } from '../shared/http/edge';
import { generateTokenBody } from '../shared/http/schemas';
import { generateToken } from '../shared/usecases/directLine';

export const directLineTokensGenerate = edge(async (request) => {
  const s = await services();
  const caller = callerOf(s, request);
  return json(200, generateToken(s, caller, await readBody(request, generateTokenBody, { allowEmpty: true })));
});

registerHttp({ name: 'directLineTokensGenerate', methods: ['POST', 'OPTIONS'], route: 'directline/tokens/generate', handler: directLineTokensGenerate, rateLimit: 'customer', cors: 'directLine' });
