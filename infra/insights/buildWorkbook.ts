import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Builds infra/insights/workbook.json (an Azure Monitor workbook, "Notebook/1.0") from
 * infra/insights/bot-insights.kql, so the queries live in one place:
 *
 *   node -r @swc-node/register infra/insights/buildWorkbook.ts
 *
 * Each `// @query <id> | <title>` line in the .kql file starts a query; its text runs to the next one.
 * test/adapters/appInsightsWorkbook.test.ts fails when workbook.json is out of date.
 */

export const KQL_PATH = join(__dirname, 'bot-insights.kql');
export const WORKBOOK_PATH = join(__dirname, 'workbook.json');

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
            'Computed from the custom events Switchboard sends (ConversationStarted, Routed, Assigned, BotSessionStarted, BotSessionEnded, Escalated, Transferred, ConversationClosed).',
            'Definitions follow Omnichannel for Customer Service; each query states the one it implements.',
            'Source of truth: `infra/insights/bot-insights.kql` (this workbook is generated from it).',
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
              // The conversation-trace query's {ConversationId}: empty lists nothing.
              id: '5d0c3f3e-6f0e-4c39-9d8e-3f1a3b0f6a02',
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
          query: section.query,
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
  writeFileSync(WORKBOOK_PATH, renderWorkbook(readFileSync(KQL_PATH, 'utf8')));
  console.log(`wrote ${WORKBOOK_PATH}`);
}
