/**
 * What `npm start` opens, by the address it listens on. On loopback it is a development tool: the
 * operator routes are open and the development agent tokens work. Beyond loopback (HOST=0.0.0.0, an
 * interface address), the operator routes need SWITCHBOARD_OPERATOR_KEY (locked without it) and the
 * tokens are off unless SWITCHBOARD_ALLOW_AGENT_TOKENS=true. Pure: the caller passes the environment.
 */
const EXPOSURE_SETTINGS = {
  operatorKey: 'SWITCHBOARD_OPERATOR_KEY',
  allowAgentTokens: 'SWITCHBOARD_ALLOW_AGENT_TOKENS',
} as const;

const MIN_OPERATOR_KEY_LENGTH = 16;

/** How the operator routes (authLevel function) answer: with a key, refused (403), or open. */
export type OperatorAccess = { kind: 'key'; key: string } | { kind: 'locked' } | { kind: 'open' };

export interface Exposure {
  operator: OperatorAccess;
  agentTokens: boolean;
  /** Lines for the operator, printed at start-up. */
  warnings: string[];
}

export type ExposureResult = { ok: true; exposure: Exposure } | { ok: false; problems: string[] };

export function decideExposure(hostname: string, env: Readonly<Record<string, string | undefined>>): ExposureResult {
  const problems: string[] = [];
  const key = env[EXPOSURE_SETTINGS.operatorKey]?.trim() || undefined;
  if (key !== undefined && key.length < MIN_OPERATOR_KEY_LENGTH) problems.push(`${EXPOSURE_SETTINGS.operatorKey} must be at least ${MIN_OPERATOR_KEY_LENGTH} characters, got ${key.length}`);
  const rawTokens = env[EXPOSURE_SETTINGS.allowAgentTokens]?.trim().toLowerCase() || undefined;
  if (rawTokens !== undefined && rawTokens !== 'true' && rawTokens !== 'false') problems.push(`${EXPOSURE_SETTINGS.allowAgentTokens} must be true or false, got "${env[EXPOSURE_SETTINGS.allowAgentTokens]?.trim()}"`);
  if (problems.length > 0) return { ok: false, problems };

  const loopback = isLoopback(hostname);
  const agentTokens = rawTokens === undefined ? loopback : rawTokens === 'true';
  const operator: OperatorAccess = key ? { kind: 'key', key } : loopback ? { kind: 'open' } : { kind: 'locked' };
  const warnings: string[] = [];
  if (operator.kind === 'locked') {
    warnings.push(`HOST=${hostname} is not loopback and ${EXPOSURE_SETTINGS.operatorKey} is not set: the operator routes (those that need a function key in Azure) answer 403 until it is set`);
  }
  if (!loopback && agentTokens) {
    warnings.push(`HOST=${hostname} is not loopback and ${EXPOSURE_SETTINGS.allowAgentTokens}=true: anyone who reaches it can act as an agent with a token from the configuration`);
  }
  return { ok: true, exposure: { operator, agentTokens, warnings } };
}

/** 127.0.0.0/8, ::1 (bracketed or not) and localhost: addresses only this machine reaches. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
