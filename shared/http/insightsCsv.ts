import type { HttpResponseInit } from '@azure/functions';
import { stringify } from 'csv-stringify/sync';
import type { InsightsQuery, InsightsRow } from '../core/insights';

/**
 * The insights export: one row per period and workstream, queue, agent or bot, one column per KPI (rates as fractions, times in
 * seconds; a service level per threshold, `serviceLevel20s`), empty where a KPI does not apply or counted
 * nothing. Cells that a spreadsheet would run as a formula (a name starting with = + - @) are quoted with a
 * leading apostrophe, as OWASP advises for CSV exports.
 */
export function insightsCsv(rows: readonly InsightsRow[], query: InsightsQuery, serviceLevelSeconds: readonly number[]): HttpResponseInit {
  const records = rows.map(flatten);
  const columns = ['period', 'family', 'name', ...new Set(records.flatMap((r) => Object.keys(r)).filter((c) => !['period', 'family', 'name'].includes(c)))];
  const serviceLevels = serviceLevelSeconds.map((n) => `serviceLevel${n}s`);
  const ordered = [...columns.filter((c) => !c.startsWith('serviceLevel')), ...serviceLevels];
  const body = stringify(records.map((r) => ordered.map((c) => cell(r[c]))), { header: true, columns: ordered });
  const name = `switchboard-insights-${query.from.slice(0, 13)}-${query.to.slice(0, 13)}.csv`.replace(/:/g, '');
  return { status: 200, headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"` }, body };
}

function flatten(row: InsightsRow): Record<string, unknown> {
  const { serviceLevel, ...rest } = row as InsightsRow & { serviceLevel?: Record<string, number | null> };
  const levels = Object.fromEntries(Object.entries(serviceLevel ?? {}).map(([n, v]) => [`serviceLevel${n}s`, v]));
  return { ...rest, ...levels };
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}
