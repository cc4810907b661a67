import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { edge, json, param, readBody } from '../shared/http/edge';
import { explainBody } from '../shared/http/schemas';
import { explainRouting } from '../shared/usecases/explainRouting';

/** Operators try rules without starting a chat: the decision and why each earlier rule did not match. */
export const routingExplain = edge(async (request) => {
  const { context } = await readBody(request, explainBody, { allowEmpty: true });
  return json(200, explainRouting(await services(), param(request, 'workstream'), context ?? {}));
});

registerHttp({ name: 'routingExplain', methods: ['POST'], route: 'workstreams/{workstream}/explain', authLevel: 'function', handler: routingExplain });
