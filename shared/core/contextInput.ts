import { contextValueProblem, MAX_CONTEXT_ENTRIES, MAX_CONTEXT_VALUE_LENGTH } from './botCommands';
import type { Context, ContextVariable, ContextWriter, Workstream } from './config';

/**
 * Who may set which context variable, with what values: one check for what a customer sends when a
 * chat starts, what a bot sends when it escalates, and the routing dry run. Pure: it returns the
 * problems, and each caller maps them to its own error.
 */

/** Who may set a declared variable whose configuration does not say: bots, not customers (they could route themselves). */
export const DEFAULT_SET_BY: readonly ContextWriter[] = ['bot'];

/** What is wrong with one variable of a context (or, without `variable`, with the context as a whole). */
export interface ContextProblem {
  variable?: string;
  problem: string;
}

/** A decimal, as a customer types it; linear (no two quantifiers can take the same characters). */
const DECIMAL = /^-?\d+(\.\d+)?$/;

const WRITER_NAMES: Record<ContextWriter, string> = { customer: 'customers', bot: 'bots', system: 'Switchboard' };

export function setByOf(variable: ContextVariable): readonly ContextWriter[] {
  return variable.setBy ?? DEFAULT_SET_BY;
}

/**
 * The problems of a context `writer` sets on a chat of this workstream; none when it may set it all.
 * Customers set only declared variables whose setBy lists customer. Bots set declared variables whose
 * setBy lists bot, and undeclared ones (as Omnichannel allows). Switchboard's own writes, and the dry
 * run's what-if context (`system`), are never refused for who sets them. Values: of the declared type
 * (a number variable takes a number or a decimal string), strings of at most 4,000 characters, an
 * undeclared variable a string or an integer; at most 100 variables.
 */
export function contextProblems(workstream: Workstream, context: Readonly<Record<string, unknown>>, writer: ContextWriter): ContextProblem[] {
  const entries = Object.entries(context);
  if (entries.length > MAX_CONTEXT_ENTRIES) return [{ problem: `${entries.length} variables; at most ${MAX_CONTEXT_ENTRIES} are allowed` }];
  const problems: ContextProblem[] = [];
  for (const [name, value] of entries) {
    const problem = variableProblem(workstream, name, value, writer);
    if (problem) problems.push({ variable: name, problem });
  }
  return problems;
}

function variableProblem(workstream: Workstream, name: string, value: unknown, writer: ContextWriter): string | undefined {
  const declared = workstream.contextVariables.find((v) => v.name === name);
  if (!declared) {
    if (writer !== 'customer') return contextValueProblem(value);
    const settable = workstream.contextVariables.filter((v) => setByOf(v).includes('customer')).map((v) => v.name);
    return `not a context variable customers may set in workstream ${workstream.name} (${settable.length ? `they may set ${settable.join(', ')}` : 'they may set none'})`;
  }
  const setBy = setByOf(declared);
  if (writer !== 'system' && !setBy.includes(writer)) return `${WRITER_NAMES[writer]} may not set this variable (setBy: ${setBy.join(', ')})`;
  if (typeof value === 'string' && value.length > MAX_CONTEXT_VALUE_LENGTH) return `${value.length} characters; at most ${MAX_CONTEXT_VALUE_LENGTH} are allowed`;
  if (declared.type === 'number' && !isNumeric(value)) return `a number was expected, got ${JSON.stringify(value)}`;
  if (typeof value !== 'string' && typeof value !== 'number') return contextValueProblem(value);
  return undefined;
}

/** A finite number, or a decimal that reads as one: 309 digits and more read as Infinity, which JSON cannot carry. */
function isNumeric(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  return typeof value === 'string' && DECIMAL.test(value.trim()) && Number.isFinite(Number(value));
}

/** `context.Amount: a number was expected ...; context.Topic: ...`: the first problems, each with its path. */
export function describeContextProblems(path: string, problems: readonly ContextProblem[]): string {
  const shown = problems.slice(0, 10).map((p) => `${p.variable === undefined ? path : `${path}.${p.variable}`}: ${p.problem}`);
  return problems.length > shown.length ? `${shown.join('; ')}; and ${problems.length - shown.length} more` : shown.join('; ');
}

/** A context whose problems were checked, with number variables as numbers. */
export function typedContext(workstream: Workstream, context: Readonly<Record<string, string | number>>): Context {
  return Object.fromEntries(Object.entries(context).map(([name, value]) => {
    const declared = workstream.contextVariables.find((v) => v.name === name);
    return [name, declared?.type === 'number' ? Number(value) : value];
  }));
}
