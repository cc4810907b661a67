import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { KPI_CATALOGUE } from '../shared/core/kpiCatalogue';
import { insightsRows } from '../shared/core/insights';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, json } from '../shared/http/edge';
import { insightsCsv } from '../shared/http/insightsCsv';
import { insightsFilterChoices, readInsightsQuery } from '../shared/http/insightsQuery';
import { readInsights } from '../shared/usecases/insights';
import { authenticateSupervisor } from '../shared/usecases/supervisorDesk';

/** Bot insights and queue analytics for a range (supervisors): JSON for the page, or the CSV export. */
export const insights = edge(async (request) => {
  const s = await services();
  authenticateSupervisor(s, agentCredentials(request));
  const { query, format } = readInsightsQuery(request, s.clock.now(), s.config);
  const serviceLevelSeconds = s.config.insights.serviceLevelSeconds;
  const { hours, summary } = await readInsights(s, query);
  if (format === 'csv') return insightsCsv(insightsRows(hours, query, serviceLevelSeconds), query, serviceLevelSeconds);
  const filterChoices = insightsFilterChoices(s.config);
  return json(200, { ...query, serviceLevelSeconds, generatedAt: s.clock.now().toISOString(), filterChoices, ...summary, definitions: KPI_CATALOGUE });
});

registerHttp({ name: 'insights', methods: ['GET'], route: 'insights', handler: insights });
