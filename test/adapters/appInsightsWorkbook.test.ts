import { readFileSync } from 'node:fs';
import { parseKqlSections, readKql, renderWorkbook, WORKBOOK_PATH } from '../../infra/insights/buildWorkbook';

/**
 * The KQL file and the workbook agree, and the queries read only the events and dimensions that the
 * use cases emit (appInsightsLocalHost.test.ts shows them arriving). The KQL itself cannot run here: the
 * language service checks it (test/insights/kqlQueries.test.ts), Azure runs it with the recorded sample.
 */

const kql = readKql();
const sections = parseKqlSections(kql);

test('workbook.json is generated from kpis.kql and bot-insights.kql (run: npm run insights:workbook)', () => {
  expect(readFileSync(WORKBOOK_PATH, 'utf8')).toBe(renderWorkbook(kql));
  const workbook = JSON.parse(readFileSync(WORKBOOK_PATH, 'utf8'));
  const queries = workbook.items.filter((i: any) => i.type === 3);
  expect(queries.map((i: any) => i.name)).toEqual(sections.map((s) => s.id));
  for (const item of queries) {
    expect(item.content).toMatchObject({ version: 'KqlItem/1.0', queryType: 0, resourceType: 'microsoft.insights/components', timeContextFromParameter: 'TimeRange' });
  }
  const parameters = workbook.items.find((i: any) => i.type === 9).content.parameters.map((p: any) => p.name);
  expect(parameters).toEqual(['TimeRange', 'Period', 'SampleRun', 'ConversationId']);
  const queueAnalytics = queries.find((i: any) => i.name === 'queue-analytics').content.query;
  expect(queueAnalytics).toContain('let period = {Period};');
  expect(queueAnalytics).toContain('let sampleRun = "{SampleRun}";');
});

test('workbook.bicep deploys that workbook.json on the Application Insights resource', () => {
  const bicep = readFileSync(WORKBOOK_PATH.replace(/workbook\.json$/, 'workbook.bicep'), 'utf8');
  expect(bicep).toContain("resource workbook 'Microsoft.Insights/workbooks@");
  expect(bicep).toContain("serializedData: loadTextContent('workbook.json')");
  expect(bicep).toContain('sourceId: appInsightsId');
});

test('every KPI query states the definitions it implements', () => {
  expect(sections.map((s) => s.id)).toEqual(expect.arrayContaining(['bot-insights', 'escalation-reasons', 'queue-analytics']));
  const text = (id: string) => sections.find((s) => s.id === id)?.query ?? '';
  for (const kpi of ['botConversations', 'resolutionRate', 'escalationRate', 'abandonRate', 'deflectionRate', 'averageBotSessionSeconds']) expect(text('bot-insights')).toContain(kpi);
  for (const kpi of ['incoming', 'averageSpeedToAnswerSeconds', 'serviceLevel', 'abandonRate = abandoned / incoming', 'averageFirstWaitSeconds', 'transferRate = transferred / handled', 'offerRejectionRate', 'offerTimeoutRate']) {
    expect(text('queue-analytics')).toContain(kpi);
  }
  for (const section of sections) {
    // Each query opens with comment lines (its definition), then the query.
    expect(section.query.split('\n')[0]).toMatch(/^\/\/ /);
    expect(section.query).toMatch(/\bcustomEvents\b/);
  }
});

test('the queries read only event names and dimensions that Switchboard tracks', () => {
  const tracked: Record<string, string[]> = {
    ConversationStarted: ['workstream'],
    Routed: ['workstream', 'rule', 'queue', 'reason'],
    Assigned: ['queue', 'workstream', 'agent', 'bot', 'firstAgent'],
    BotSessionStarted: ['bot', 'workstream', 'queue'],
    BotSessionEnded: ['bot', 'outcome', 'endedBy', 'failure', 'workstream', 'queue', 'rule', 'topic'],
    Escalated: ['bot', 'rule', 'queue', 'topic', 'botContext'],
    WrapUpStarted: ['agent', 'queue', 'workstream'],
    Transferred: ['agent', 'fromQueue', 'queue'],
    ConversationClosed: ['workstream', 'queue', 'statusReason', 'agent', 'bot', 'accepted'],
    Offered: ['agent', 'queue', 'workstream'],
    OfferRejected: ['agent', 'queue', 'workstream'],
    OfferExpired: ['agent', 'queue', 'workstream'],
  };
  const measurements = ['botTimeMs', 'waitMs', 'activeMs', 'wrapUpMs'];
  // functionName: the function that emitted an item (the telemetry adapter adds it; appInsightsTraces.test.ts);
  // sampleRun: only the recorded sample carries it (npm run insights:send-sample); the application's events do not.
  const dimensions = new Set(['conversationId', 'functionName', 'sampleRun', ...Object.values(tracked).flat()]);
  for (const { id, query } of sections) {
    const code = query.split('\n').filter((line) => !line.trim().startsWith('//')).join('\n');
    for (const [, name] of code.matchAll(/name (?:==|!=) "([A-Za-z]+)"/g)) expect([id, name && Object.keys(tracked).includes(name)]).toEqual([id, true]);
    for (const [, list] of code.matchAll(/name in \(([^)]*)\)/g)) {
      for (const [, name] of (list ?? '').matchAll(/"([A-Za-z]+)"/g)) expect([id, name && Object.keys(tracked).includes(name)]).toEqual([id, true]);
    }
    for (const [, dimension] of code.matchAll(/customDimensions\.([A-Za-z]+)/g)) expect([id, dimension && dimensions.has(dimension)]).toEqual([id, true]);
    for (const [, measurement] of code.matchAll(/customMeasurements\.([A-Za-z]+)/g)) expect([id, measurement && measurements.includes(measurement)]).toEqual([id, true]);
  }
});

test('the conversation trace derives the operation id as the adapter does, and lists every kind of item of that operation', () => {
  const query = sections.find((s) => s.id === 'conversation-trace')?.query ?? '';
  expect(query).toContain('let conversationId = "{ConversationId}";');
  // A GUID without dashes, else the first 32 hex of SHA-256 (operationIdOf in shared/adapters/conversationTrace.ts).
  expect(query).toContain('substring(hash_sha256(conversationId), 0, 32)');
  expect(query).toContain('tolower(replace_string(conversationId, "-", ""))');
  for (const table of ['customEvents', 'dependencies', 'exceptions', 'requests']) expect(query).toMatch(new RegExp(`\\(${table}\\n\\s+\\| where operation_Id == operationId`));
  for (const step of ['"start"', '"queued"', '"bot"', '"agent"', '"close"']) expect(query).toContain(step);
  const workbook = JSON.parse(readFileSync(WORKBOOK_PATH, 'utf8'));
  const parameters = workbook.items.find((i: any) => i.name === 'parameters').content.parameters;
  expect(parameters.map((p: any) => p.name)).toEqual(['TimeRange', 'Period', 'SampleRun', 'ConversationId']);
});
