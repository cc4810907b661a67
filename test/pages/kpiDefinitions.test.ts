import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KPI_DEFINITIONS } from '../../pages/supervisor/queues/kpiDefinitions';

/**
 * The supervisor's tooltips say what shared/core/kpis.ts's header says (the one definition of each KPI),
 * without its telemetry names: a definition changed there fails here until the page says it the same way.
 */
function kpiHeaderInWords(): string {
  const source = readFileSync(join(__dirname, '..', '..', 'shared', 'core', 'kpis.ts'), 'utf8');
  const header = source.slice(source.indexOf('/**'), source.indexOf('*/'));
  return header
    .split('\n')
    .map((line) => line.replace(/^\s*\/?\*+\s?-?\s?/, ''))
    .join(' ')
    // Telemetry names: a parenthesis that quotes an event or names a measurement (activeMs, firstAgent), and "its waitMs,".
    .replace(/\s*\([^()]*(`|\b[a-z]+[A-Z]\w*)[^()]*\)/g, '')
    .replace(/\bits [a-z]+[A-Z]\w*, /g, '')
    .replace(/\s+/g, ' ');
}

test.each(Object.entries(KPI_DEFINITIONS))('%s is said as shared/core/kpis.ts defines it', (_, definition) => {
  expect(kpiHeaderInWords()).toContain(definition);
});
