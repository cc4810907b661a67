import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { edge } from '../shared/http/edge';
import { readHealth } from '../shared/usecases/health';

/** Anonymous, for probes: 200 while ok or degraded, 503 when failing (core/health.ts says what each means). */
export const health = edge(async () => {
  const s = await services();
  const report = await readHealth(s);
  return {
    status: report.status === 'failing' ? 503 : 200,
    headers: { 'cache-control': 'no-store' },
    jsonBody: { status: report.status, checks: report.checks, workstreams: s.config.workstreams.map((w) => w.name) },
  };
});

registerHttp({ name: 'health', methods: ['GET'], route: 'health', handler: health });
