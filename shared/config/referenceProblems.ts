import { OPERATORS, VARIABLE_TYPES, type Operator, type VariableType } from '../core/config';
import { toNumber } from '../core/ruleValues';

/**
 * Cross-references of the configuration file: a rule's queue exists, a queue's members are users,
 * a rule's variable is declared with a type its operator and value fit, names are unique, bots
 * authenticate deliberately. They read the file's data as it came, not the shape-checked model, so
 * a file whose shape is wrong somewhere still has its references checked in the same run. What
 * cannot be read (a name that is not a string, a list that is not a list) is skipped: its shape
 * problem says what is wrong, and a reference problem guessed from it would only repeat it.
 */

type Data = Readonly<Record<string, unknown>>;

/** What one workstream's conditions are checked against. */
interface Scope {
  /** `workstream "Chat"`, or where it is when its name cannot be read. */
  workstream: string;
  /** Declared variables and their types (a type the shape check refuses: undefined); undefined when contextVariables is not a list. */
  variables: ReadonlyMap<string, VariableType | undefined> | undefined;
}

export function referenceProblems(data: unknown): string[] {
  const config = recordOf(data);
  const workstreams = listOf(config.workstreams);
  const queueList = listOf(config.queues);
  const userList = listOf(config.users);
  const queues = namesIn(queueList, 'name');
  // users may be left out (no users), but users that are not a list say nothing about who is one.
  const users = Array.isArray(config.users) || config.users === undefined ? namesIn(userList, 'id') : undefined;
  const knownQueues = `declared queues are ${listing(queues)}`;
  const queueProblem = (value: unknown, at: string): string[] => {
    const queue = textOf(value);
    // Without one readable queue name every reference would be "unknown": the shape problem of queues says why.
    return queue === undefined || queues.size === 0 || queues.has(queue) ? [] : [`${at}: unknown queue "${queue}", ${knownQueues}`];
  };
  const problems: string[] = [
    ...duplicates(workstreams, 'workstreams', 'name', 'workstream'),
    ...duplicates(queueList, 'queues', 'name', 'queue'),
    ...duplicates(userList, 'users', 'id', 'user'),
  ];

  workstreams.forEach((item, w) => {
    const workstream = recordOf(item);
    const at = `workstreams[${w}]`;
    const rules = listOf(workstream.rules);
    const name = textOf(workstream.name);
    const scope: Scope = { workstream: name === undefined ? at : `workstream "${name}"`, variables: variablesOf(workstream.contextVariables) };
    problems.push(...queueProblem(workstream.fallbackQueue, `${at}.fallbackQueue`));
    problems.push(...duplicates(listOf(workstream.contextVariables), `${at}.contextVariables`, 'name', 'context variable'));
    problems.push(...duplicates(rules, `${at}.rules`, 'name', 'rule'));
    rules.forEach((ruleItem, r) => {
      const rule = recordOf(ruleItem);
      problems.push(...queueProblem(rule.queue, `${at}.rules[${r}].queue`));
      if (rule.when !== undefined) problems.push(...conditionProblems(rule.when, `${at}.rules[${r}].when`, scope));
    });
  });

  queueList.forEach((queue, q) => {
    listOf(recordOf(queue).members).forEach((item, m) => {
      const member = textOf(item);
      if (users && member !== undefined && !users.has(member)) problems.push(`queues[${q}].members[${m}]: unknown user "${member}"`);
    });
  });

  problems.push(...directLineProblems(recordOf(config.directLine), workstreams));
  problems.push(...botProblems(userList, config.allowUnauthenticatedBots));
  problems.push(...uniqueAgentValues(userList, 'principal', (principal, owner) => `"${principal}" is already the principal of user "${owner}"`, (value) => value.toLowerCase()));
  // The token itself is a secret: name who else has it, not the token.
  problems.push(...uniqueAgentValues(userList, 'token', (_token, owner) => `the same token as user "${owner}"; tokens must be unique`));
  return problems;
}

/**
 * Each site enters a declared workstream, holds one kind of secret, and asks pre-chat questions only
 * for variables its customers may set (setBy customer), with an input that fits the variable's type.
 */
function directLineProblems(directLine: Data, workstreams: readonly unknown[]): string[] {
  const sites = listOf(directLine.sites);
  const byName = new Map(workstreams.map((w) => [textOf(recordOf(w).name), recordOf(w)]));
  const problems = duplicates(sites, 'directLine.sites', 'name', 'site');
  sites.forEach((item, i) => {
    const site = recordOf(item);
    const at = `directLine.sites[${i}]`;
    if (site.secret !== undefined && site.secretFromEnv !== undefined) problems.push(`${at}.secret: give secret or secretFromEnv, not both`);
    const name = textOf(site.workstream);
    const workstream = name === undefined ? undefined : byName.get(name);
    if (name !== undefined && !workstream) problems.push(`${at}.workstream: unknown workstream "${name}", declared workstreams are ${listing(namesIn(workstreams, 'name'))}`);
    const fields = listOf(site.prechat);
    problems.push(...duplicates(fields, `${at}.prechat`, 'variable', 'pre-chat variable'));
    fields.forEach((fieldItem, f) => problems.push(...prechatProblems(recordOf(fieldItem), `${at}.prechat[${f}]`, workstream)));
  });
  return problems;
}

function prechatProblems(field: Data, at: string, workstream: Data | undefined): string[] {
  const problems: string[] = [];
  const isChoice = field.type === 'choice';
  if (isChoice && field.options === undefined) problems.push(`${at}.options: a choice needs options`);
  if (!isChoice && field.options !== undefined) problems.push(`${at}.options: only a choice has options (type is ${String(field.type ?? 'text')})`);
  const variable = textOf(field.variable);
  if (variable === undefined || workstream === undefined) return problems;
  const declared = listOf(workstream.contextVariables).map(recordOf).find((v) => v.name === variable);
  const where = `workstream "${String(workstream.name)}"`;
  if (!declared) return [...problems, `${at}.variable: variable "${variable}" is not declared in contextVariables of ${where}`];
  if (!listOf(declared.setBy).includes('customer')) problems.push(`${at}.variable: customers may not set "${variable}" in ${where}: add customer to its setBy`);
  const numeric = field.type === 'number';
  if (numeric !== (declared.type === 'number')) problems.push(`${at}.type: "${variable}" is a ${String(declared.type)} variable; ${numeric ? 'a number field sets number variables only' : 'use type number for it'}`);
  return problems;
}

/** Authentication must be deliberate: an app id comes with credentials, and no app id needs the opt-in. */
function botProblems(users: readonly unknown[], allowUnauthenticatedBots: unknown): string[] {
  const problems: string[] = [];
  const appIdOwners = new Map<string, string>();
  users.forEach((item, u) => {
    const user = recordOf(item);
    const id = textOf(user.id);
    if (user.kind !== 'bot' || id === undefined) return;
    if (user.appId === undefined) {
      // Not true or false (a shape problem): whether unauthenticated bots are allowed is unknown.
      if (allowUnauthenticatedBots === false || allowUnauthenticatedBots === undefined) {
        problems.push(`users[${u}].appId: bot "${id}" has no appId; give it one (with credentials) or set allowUnauthenticatedBots: true for local development`);
      }
      if (user.credentials !== undefined) problems.push(`users[${u}].credentials: credentials need an appId`);
      return;
    }
    const appId = textOf(user.appId);
    if (appId === undefined) return;
    if (user.credentials === undefined) problems.push(`users[${u}].credentials: bot "${id}" has an appId, so Switchboard needs credentials to call it: secretFromEnv, certificate or managedIdentity`);
    const owner = appIdOwners.get(appId);
    if (owner !== undefined) problems.push(`users[${u}].appId: the same appId as bot "${owner}"; app ids must be unique`);
    else appIdOwners.set(appId, id);
  });
  return problems;
}

/** An agent's principal or token belongs to one agent; `key` says how values compare. */
function uniqueAgentValues(users: readonly unknown[], field: 'principal' | 'token', message: (value: string, owner: string) => string, key = (value: string) => value): string[] {
  const problems: string[] = [];
  const owners = new Map<string, string>();
  users.forEach((item, u) => {
    const user = recordOf(item);
    const id = textOf(user.id);
    const value = textOf(user[field]);
    if (user.kind !== 'agent' || id === undefined || value === undefined) return;
    const owner = owners.get(key(value));
    if (owner !== undefined) problems.push(`users[${u}].${field}: ${message(value, owner)}`);
    else owners.set(key(value), id);
  });
  return problems;
}

/** Reports each repeat at its own index, naming where the name first appeared. */
function duplicates(items: readonly unknown[], listPath: string, key: string, thing: string): string[] {
  const firstIndex = new Map<string, number>();
  const problems: string[] = [];
  items.forEach((item, index) => {
    const name = textOf(recordOf(item)[key]);
    if (name === undefined) return;
    const first = firstIndex.get(name);
    if (first === undefined) firstIndex.set(name, index);
    else problems.push(`${listPath}[${index}].${key}: duplicate ${thing} "${name}", already at ${listPath}[${first}]`);
  });
  return problems;
}

const TEXT_OPERATORS: ReadonlySet<Operator> = new Set(['contains', 'notContains', 'beginsWith', 'notBeginsWith', 'endsWith', 'notEndsWith']);
const NUMBER_OPERATORS: ReadonlySet<Operator> = new Set(['greaterThan', 'greaterOrEqual', 'lessThan', 'lessOrEqual']);
const LIST_OPERATORS: ReadonlySet<Operator> = new Set(['in', 'notIn']);
const NO_VALUE_OPERATORS: ReadonlySet<Operator> = new Set(['hasData', 'noData']);

/** A condition is judged by the branch its keys name, as the shape check judges it (schema.ts). */
function conditionProblems(value: unknown, at: string, scope: Scope): string[] {
  const condition = recordOf(value);
  if ('variable' in condition || 'operator' in condition || 'value' in condition) return comparisonProblems(condition, at, scope);
  if ('all' in condition) return listOf(condition.all).flatMap((c, i) => conditionProblems(c, `${at}.all[${i}]`, scope));
  if ('any' in condition) return listOf(condition.any).flatMap((c, i) => conditionProblems(c, `${at}.any[${i}]`, scope));
  if ('not' in condition) return conditionProblems(condition.not, `${at}.not`, scope);
  return [];
}

function comparisonProblems(comparison: Data, at: string, scope: Scope): string[] {
  const variable = textOf(comparison.variable);
  const operator = OPERATORS.find((o) => o === comparison.operator);
  const { value } = comparison;
  const problems = operator === undefined ? [] : valueShapeProblems(operator, value, at);
  if (variable === undefined || scope.variables === undefined) return problems;
  if (!scope.variables.has(variable)) {
    return [`${at}.variable: variable "${variable}" is not declared in contextVariables of ${scope.workstream}`, ...problems];
  }
  const type = scope.variables.get(variable);
  if (type === undefined) return problems;
  if (operator !== undefined && TEXT_OPERATORS.has(operator) && type !== 'text') {
    problems.push(`${at}.operator: ${operator} works on text variables only; "${variable}" is a ${type} variable`);
  }
  if (operator !== undefined && NUMBER_OPERATORS.has(operator) && type !== 'number') {
    problems.push(`${at}.operator: ${operator} works on number variables only; "${variable}" is a ${type} variable`);
  }
  if (type === 'number') {
    const values = Array.isArray(value) ? value.map((v, i) => ({ v, where: `${at}.value[${i}]` })) : [{ v: value, where: `${at}.value` }];
    for (const { v, where } of values) {
      // Strings only: a value of another type is a shape problem. The router's own coercion decides, so the loader and the router never disagree.
      if (typeof v === 'string' && Number.isNaN(toNumber(v))) problems.push(`${where}: "${v}" is not a number, and "${variable}" is a number variable`);
    }
  }
  return problems;
}

function valueShapeProblems(operator: Operator, value: unknown, at: string): string[] {
  if (NO_VALUE_OPERATORS.has(operator)) return value === undefined ? [] : [`${at}.value: ${operator} takes no value`];
  if (value === undefined) return [`${at}.value: is required for ${operator}`];
  if (LIST_OPERATORS.has(operator)) return Array.isArray(value) ? [] : [`${at}.value: ${operator} needs a list of values`];
  return Array.isArray(value) ? [`${at}.value: ${operator} takes a single value, not a list`] : [];
}

/** Declared variables by name; undefined when contextVariables is there but not a list. */
function variablesOf(value: unknown): ReadonlyMap<string, VariableType | undefined> | undefined {
  if (value !== undefined && !Array.isArray(value)) return undefined;
  const variables = new Map<string, VariableType | undefined>();
  for (const item of listOf(value)) {
    const variable = recordOf(item);
    const name = textOf(variable.name);
    if (name !== undefined && !variables.has(name)) variables.set(name, VARIABLE_TYPES.find((t) => t === variable.type));
  }
  return variables;
}

function namesIn(items: readonly unknown[], key: string): Set<string> {
  const names = new Set<string>();
  for (const item of items) {
    const name = textOf(recordOf(item)[key]);
    if (name !== undefined) names.add(name);
  }
  return names;
}

/** Names are 1 to 100 characters (schema.ts): a longer one, a problem of its own, is cut short where it is listed. */
const LONGEST_NAME = 100;

/** One message per bad reference: listing thousands of queues in each would take gigabytes. */
function listing(names: ReadonlySet<string>): string {
  const shown = [...names].slice(0, 20).map((name) => (name.length > LONGEST_NAME ? `${name.slice(0, LONGEST_NAME)}...` : name));
  return `${shown.join(', ')}${names.size > 20 ? `, and ${names.size - 20} more` : ''}`;
}

/** What cannot be read has nothing to check: an empty record or list. */
function recordOf(value: unknown): Data {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Data) : {};
}

function listOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
