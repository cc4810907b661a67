import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { edge, json, param, readBody } from '../shared/http/edge';
import { explainBody } from '../shared/http/schemas';
import { explainRouting } from '../shared/usecases/explainRouting';

/** Operators try rules without starting a chat: the decision, why each earlier rule did not match, and who would get the chat now. */
export const routingExplain = edge(async (request) => {
  const { context, agents } = await readBody(request, explainBody, { allowEmpty: true });
  return json(200, await explainRouting(await services(), param(request, 'workstream'), context ?? {}, agents));
});

registerHttp({ name: 'routingExplain', methods: ['POST'], route: 'workstreams/{workstream}/explain', authLevel: 'function', handler: routingExplain });
