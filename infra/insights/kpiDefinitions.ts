import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KPI_CATALOGUE, type KpiDefinition } from '../../shared/core/kpiCatalogue';
import { parseKqlSections, readKql, type KqlSection } from './buildWorkbook';
import { analyzeKql } from './kqlLanguage';

/**
 * Writes infra/insights/kpi-definitions.md from the KPI catalogue (shared/core/kpiCatalogue.ts), with the KQL
 * query that computes each KPI: the query that reads the KPI's events and whose result has a column named after
 * the KPI's id, as the Kusto language service infers it (a bot's and a queue's abandonRate share an id, not
 * events). So the page beside the KQL cannot say something the catalogue or the queries do not:
 *
 *   npm run insights:definitions
 *
 * test/insights/kqlQueries.test.ts fails when the file is stale.
 */

export const DEFINITIONS_PATH = join(__dirname, 'kpi-definitions.md');

/**
 * A KPI whose value is a list: its query returns one row per item, with the item's fields as columns
 * (GET /api/insights' bots.escalationReasons is [{ reason, escalations }]).
 */
export const LIST_KPI_COLUMNS: Readonly<Record<string, readonly string[]>> = { escalationReasons: ['reason', 'escalations'] };

/** The KPI's columns in a query's result: its id, or a list KPI's item fields. */
export function kpiColumns(kpi: KpiDefinition): readonly string[] {
  return LIST_KPI_COLUMNS[kpi.id] ?? [kpi.id];
}

/** The query's text without its comment lines. */
export function kqlCode(query: string): string {
  return query.split('\n').filter((line) => !line.trim().startsWith('//')).join('\n');
}

/** The event names a query reads: `name == "X"`, `name != "X"` and `name in ("X", ...)`. */
export function eventsRead(query: string): Set<string> {
  const code = kqlCode(query);
  const names = [...code.matchAll(/\bname (?:==|!=) "([A-Za-z]+)"/g)].map((m) => m[1] ?? '');
  for (const [, list] of code.matchAll(/\bname in \(([^)]*)\)/g)) names.push(...[...(list ?? '').matchAll(/"([A-Za-z]+)"/g)].map((m) => m[1] ?? ''));
  return new Set(names);
}

/** The queries (ids) that read the KPI's events and whose results have its columns. */
export function queriesComputing(kpi: KpiDefinition, sections: readonly KqlSection[], columnsOf: (section: KqlSection) => readonly string[]): string[] {
  return sections
    .filter((section) => kpi.events.every((event) => eventsRead(section.query).has(event)))
    .filter((section) => kpiColumns(kpi).every((column) => columnsOf(section).includes(column)))
    .map((section) => section.id);
}

/** The output columns of every query, as the language service infers them. */
export function queryColumns(sections: readonly KqlSection[]): Map<string, string[]> {
  return new Map(sections.map((section) => [section.id, analyzeKql(section.query).columns.map((c) => c.name)]));
}

const UNITS: Record<KpiDefinition['unit'], string> = { count: 'count', rate: 'rate (fraction, 0.25 = 25 %)', seconds: 'seconds (average, to a tenth)' };
const FAMILIES: Record<KpiDefinition['family'], string> = { bot: 'Bot insights', queue: 'Queue analytics' };

const cell = (text: string) => text.replace(/\|/g, '\\|');

export function renderDefinitions(sections: readonly KqlSection[], columns: ReadonlyMap<string, readonly string[]>): string {
  const columnsOf = (section: KqlSection) => columns.get(section.id) ?? [];
  const lines = [
    '# Insights KPIs: one definition each',
    '',
    '<!-- Generated from shared/core/kpiCatalogue.ts and the queries in this folder by `npm run insights:definitions`; do not edit. -->',
    '',
    'Every KPI that `GET /api/insights`, its CSV export and the `/insights` page show, with the same definition in',
    'Application Insights: the **id** is the response field, the CSV column and the column of the KQL query named',
    'beside it (`// @query <id>` in `kpis.kql`, also a tile of `workbook.json`). The local page counts with',
    '`shared/core/kpis.ts` and `shared/core/botKpis.ts`, the queries with KQL, from the same telemetry events and dimensions.',
    'A rate is a fraction, null (empty) when nothing was counted for it; periods are UTC hours or days of each event\'s timestamp.',
    '',
  ];
  for (const family of ['bot', 'queue'] as const) {
    lines.push(`## ${FAMILIES[family]}`, '', '| id | label | definition | unit | events | query |', '| --- | --- | --- | --- | --- | --- |');
    for (const kpi of KPI_CATALOGUE.filter((k) => k.family === family)) {
      const queries = queriesComputing(kpi, sections, columnsOf);
      const id = LIST_KPI_COLUMNS[kpi.id] ? `\`${kpi.id}\` (rows: ${kpiColumns(kpi).map((c) => `\`${c}\``).join(', ')})` : `\`${kpi.id}\``;
      lines.push(`| ${id} | ${cell(kpi.label)} | ${cell(kpi.definition)} | ${UNITS[kpi.unit]} | ${kpi.events.map((e) => `\`${e}\``).join(', ')} | ${queries.map((q) => `\`${q}\``).join(', ') || '(none)'} |`);
    }
    lines.push('');
  }
  return `${lines.join('\n')}`;
}

export const README_PATH = join(__dirname, '..', '..', 'README.md');
const README_START = '<!-- kpis:start (generated by npm run insights:definitions from shared/core/kpiCatalogue.ts) -->';
const README_END = '<!-- kpis:end -->';

/** The README with its KPI table (between the markers) written from the catalogue. */
export function withReadmeTable(readme: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${README_START} … ${README_END} block`);
  const rows = KPI_CATALOGUE.map((kpi) => `| ${FAMILIES[kpi.family]} | ${cell(kpi.label)} (\`${kpi.id}\`) | ${cell(kpi.definition)} | ${kpi.events.map((e) => `\`${e}\``).join(', ')} |`);
  const table = ['| | KPI (field) | definition | from the events |', '|---|---|---|---|', ...rows].join('\n');
  return `${readme.slice(0, start + README_START.length)}\n${table}\n${readme.slice(end)}`;
}

if (require.main === module) {
  const sections = parseKqlSections(readKql());
  writeFileSync(DEFINITIONS_PATH, renderDefinitions(sections, queryColumns(sections)));
  writeFileSync(README_PATH, withReadmeTable(readFileSync(README_PATH, 'utf8')));
  console.log(`wrote ${DEFINITIONS_PATH} and the KPI table of ${README_PATH}`);
}
