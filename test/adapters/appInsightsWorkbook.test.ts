import { readFileSync } from 'node:fs';
import { KQL_PATH, parseKqlSections, renderWorkbook, WORKBOOK_PATH } from '../../infra/insights/buildWorkbook';

/**
 * The KQL file and the workbook agree, and the queries read only the events and dimensions that the
 * use cases emit (appInsightsLocalHost.test.ts shows them arriving). The KQL itself cannot run here.
 */

const kql = readFileSync(KQL_PATH, 'utf8');
const sections = parseKqlSections(kql);

test('workbook.json is generated from bot-insights.kql (run: node -r @swc-node/register infra/insights/buildWorkbook.ts)', () => {
  expect(readFileSync(WORKBOOK_PATH, 'utf8')).toBe(renderWorkbook(kql));
  const workbook = JSON.parse(readFileSync(WORKBOOK_PATH, 'utf8'));
  const queries = workbook.items.filter((i: any) => i.type === 3);
  expect(queries.map((i: any) => i.name)).toEqual(sections.map((s) => s.id));
  for (const item of queries) {
    expect(item.content).toMatchObject({ version: 'KqlItem/1.0', queryType: 0, resourceType: 'microsoft.insights/components', timeContextFromParameter: 'TimeRange' });
  }
});

test('workbook.bicep deploys that workbook.json on the Application Insights resource', () => {
  const bicep = readFileSync(WORKBOOK_PATH.replace(/workbook\.json$/, 'workbook.bicep'), 'utf8');
  expect(bicep).toContain("resource workbook 'Microsoft.Insights/workbooks@");
  expect(bicep).toContain("serializedData: loadTextContent('workbook.json')");
  expect(bicep).toContain('sourceId: appInsightsId');
});

test('every KPI of DESIGN.md §1 has a query, each stating its definition', () => {
  expect(sections.map((s) => s.id)).toEqual(expect.arrayContaining([
    'bot-insights', 'queue-speed-to-answer', 'queue-abandon-rate', 'queue-transfer-rate', 'queue-handle-time',
  ]));
  const text = (id: string) => sections.find((s) => s.id === id)?.query ?? '';
  for (const kpi of ['Bot conversations', 'Bot resolution rate', 'Bot escalation rate', 'Deflection']) expect(text('bot-insights')).toContain(kpi);
  for (const kpi of ['first wait time', 'Average speed to answer', 'Service level']) expect(text('queue-speed-to-answer')).toContain(kpi);
  expect(text('queue-abandon-rate')).toContain('Abandon rate = abandoned / incoming');
  expect(text('queue-transfer-rate')).toContain('Transfer rate = transferred sessions / handled sessions');
  for (const section of sections) {
    // Each query opens with comment lines (its definition), then the query.
    expect(section.query.split('\n')[0]).toMatch(/^\/\/ /);
    expect(section.query).toMatch(/\bcustomEvents\b/);
  }
});

test('the queries read only event names and dimensions that Switchboard tracks', () => {
  const tracked: Record<string, string[]> = {
    ConversationStarted: ['workstream'],
    Routed: ['workstream', 'rule', 'queue'],
    Assigned: ['queue', 'workstream', 'agent', 'bot'],
    BotSessionStarted: ['bot', 'workstream', 'queue'],
    BotSessionEnded: ['bot', 'outcome', 'failure'],
    Escalated: ['bot', 'rule', 'queue'],
    Transferred: ['agent', 'fromQueue', 'queue'],
    ConversationClosed: ['workstream', 'queue', 'statusReason'],
  };
  const measurements = ['botTimeMs', 'waitMs'];
  // functionName: the function that emitted an item (the telemetry adapter adds it; appInsightsTraces.test.ts).
  const dimensions = new Set(['conversationId', 'functionName', ...Object.values(tracked).flat()]);
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
  expect(parameters.map((p: any) => p.name)).toEqual(['TimeRange', 'ConversationId']);
});
