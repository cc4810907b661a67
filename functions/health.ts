import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { edge, json } from '../shared/http/edge';

export const health = edge(async () => {
  const s = await services();
  return json(200, { status: 'ok', workstreams: s.config.workstreams.map((w) => w.name) });
});

registerHttp({ name: 'health', methods: ['GET'], route: 'health', handler: health });
