import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Builds infra/insights/workbook.json (an Azure Monitor workbook, "Notebook/1.0") from the .kql files beside it
 * (kpis.kql: the insights KPIs; bot-insights.kql: the operational queries), so the queries live in one place:
 *
 *   npm run insights:workbook
 *
 * Each `// @query <id> | <title>` line in a .kql file starts a query; its text runs to the next one.
 * A query's `let period = 1d;` and `let sampleRun = "";` lines become the workbook's Period and Sample run
 * parameters, so the pasted query and the workbook's are the same text.
 * test/adapters/appInsightsWorkbook.test.ts fails when workbook.json is out of date.
 */

export const KQL_PATH = join(__dirname, 'bot-insights.kql');
export const KPI_KQL_PATH = join(__dirname, 'kpis.kql');
/** The files the workbook shows, in order. */
export const KQL_PATHS = [KPI_KQL_PATH, KQL_PATH];
export const WORKBOOK_PATH = join(__dirname, 'workbook.json');

/** Every query file's text, in workbook order. */
export function readKql(): string {
  return KQL_PATHS.map((path) => readFileSync(path, 'utf8')).join('\n');
}

export interface KqlSection {
  id: string;
  title: string;
  /** the query as pasted into Logs: its comment lines (the KPI definitions) and the query */
  query: string;
}

const HEADER = /^\/\/ @query ([a-z0-9-]+) \| (.+)$/;

export function parseKqlSections(text: string): KqlSection[] {
  const sections: KqlSection[] = [];
  let current: { id: string; title: string; lines: string[] } | undefined;
  const finish = () => {
    if (current) sections.push({ id: current.id, title: current.title, query: current.lines.join('\n').trim() });
  };
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    const header = HEADER.exec(line);
    if (header) {
      finish();
      current = { id: header[1] ?? '', title: (header[2] ?? '').trim(), lines: [] };
    } else if (current) {
      current.lines.push(line);
    }
  }
  finish();
  return sections;
}

const RESOURCE_TYPE = 'microsoft.insights/components';

/** A query's parameter lines, as the workbook's parameters fill them. */
const PARAMETER_LINES: [RegExp, string][] = [
  [/^let period = 1d;/m, 'let period = {Period};'],
  [/^let sampleRun = "";/m, 'let sampleRun = "{SampleRun}";'],
];

export function withWorkbookParameters(query: string): string {
  return PARAMETER_LINES.reduce((text, [line, parameter]) => text.replace(line, parameter), query);
}

export function workbookFromKql(text: string): object {
  const sections = parseKqlSections(text);
  return {
    version: 'Notebook/1.0',
    items: [
      {
        type: 1,
        content: {
          json: [
            '# Switchboard: bot insights and queue KPIs',
            '',
            'Computed from the custom events Switchboard sends, with the same definitions as the local insights page (`infra/insights/kpi-definitions.md`).',
            'Rates are fractions (0.25 = 25 %); averages are in seconds. Each query states the definitions it implements.',
            'Source of truth: `infra/insights/kpis.kql` and `infra/insights/bot-insights.kql` (this workbook is generated from them).',
          ].join('\n'),
        },
        name: 'title',
      },
      {
        type: 9,
        content: {
          version: 'KqlParameterItem/1.0',
          parameters: [
            {
              id: '5d0c3f3e-6f0e-4c39-9d8e-3f1a3b0f6a01',
              version: 'KqlParameterItem/1.0',
              name: 'TimeRange',
              label: 'Time range',
              type: 4,
              isRequired: true,
              value: { durationMs: 2_592_000_000 },
              typeSettings: {
                selectableValues: [
                  { durationMs: 86_400_000 },
                  { durationMs: 604_800_000 },
                  { durationMs: 1_209_600_000 },
                  { durationMs: 2_592_000_000 },
                  { durationMs: 7_776_000_000 },
                ],
                allowCustom: true,
              },
            },
            {
              id: '5d0c3f3e-6f0e-4c39-9d8e-3f1a3b0f6a02',
              version: 'KqlParameterItem/1.0',
              name: 'Period',
              label: 'Per',
              type: 2,
              isRequired: true,
              value: '1d',
              typeSettings: { additionalResourceOptions: [], showDefault: false },
              jsonData: JSON.stringify([{ value: '1h', label: 'hour' }, { value: '1d', label: 'day', selected: true }]),
            },
            {
              id: '5d0c3f3e-6f0e-4c39-9d8e-3f1a3b0f6a03',
              version: 'KqlParameterItem/1.0',
              name: 'SampleRun',
              label: 'Sample run (empty: the application\'s events)',
              type: 1,
              isRequired: false,
              value: '',
            },
            {
              // The conversation-trace query's {ConversationId}: empty lists nothing.
              id: '5d0c3f3e-6f0e-4c39-9d8e-3f1a3b0f6a04',
              version: 'KqlParameterItem/1.0',
              name: 'ConversationId',
              label: 'Conversation id (for the conversation trace)',
              type: 1,
              isRequired: false,
              value: '',
            },
          ],
          style: 'pills',
          queryType: 0,
          resourceType: RESOURCE_TYPE,
        },
        name: 'parameters',
      },
      ...sections.map((section) => ({
        type: 3,
        content: {
          version: 'KqlItem/1.0',
          query: withWorkbookParameters(section.query),
          size: 0,
          title: section.title,
          timeContextFromParameter: 'TimeRange',
          queryType: 0,
          resourceType: RESOURCE_TYPE,
          visualization: 'table',
          gridSettings: { filter: true },
        },
        name: section.id,
      })),
    ],
    fallbackResourceIds: [],
    $schema: 'https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json',
  };
}

export function renderWorkbook(text: string): string {
  return `${JSON.stringify(workbookFromKql(text), null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(WORKBOOK_PATH, renderWorkbook(readKql()));
  console.log(`wrote ${WORKBOOK_PATH}`);
}
