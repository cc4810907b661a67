import { decideExposure, isLoopback } from '../shared/host/local/exposure';

/**
 * `npm start` is a development tool on loopback. Listening beyond it (HOST=0.0.0.0), the operator
 * routes need SWITCHBOARD_OPERATOR_KEY (locked without it) and the development agent tokens are off
 * unless SWITCHBOARD_ALLOW_AGENT_TOKENS=true.
 */
const KEY = 'an-operator-key-of-32-characters';

test('on loopback, without settings, the operator routes are open and agent tokens on', () => {
  for (const hostname of ['127.0.0.1', '::1', 'localhost', '127.0.0.2']) {
    expect(decideExposure(hostname, {})).toEqual({ ok: true, exposure: { operator: { kind: 'open' }, agentTokens: true, warnings: [] } });
  }
});

test('beyond loopback, without settings, the operator routes are locked, agent tokens off, and a warning says why', () => {
  for (const hostname of ['0.0.0.0', '::', '192.168.1.20', 'switchboard.example']) {
    const decided = decideExposure(hostname, {});
    expect(decided).toEqual({
      ok: true,
      exposure: {
        operator: { kind: 'locked' },
        agentTokens: false,
        warnings: [`HOST=${hostname} is not loopback and SWITCHBOARD_OPERATOR_KEY is not set: the operator routes (those that need a function key in Azure) answer 403 until it is set`],
      },
    });
  }
});

test('an operator key guards the operator routes anywhere; SWITCHBOARD_ALLOW_AGENT_TOKENS decides the tokens either way', () => {
  expect(decideExposure('0.0.0.0', { SWITCHBOARD_OPERATOR_KEY: KEY, SWITCHBOARD_ALLOW_AGENT_TOKENS: 'true' })).toEqual({
    ok: true,
    exposure: { operator: { kind: 'key', key: KEY }, agentTokens: true, warnings: ['HOST=0.0.0.0 is not loopback and SWITCHBOARD_ALLOW_AGENT_TOKENS=true: anyone who reaches it can act as an agent with a token from the configuration'] },
  });
  expect(decideExposure('127.0.0.1', { SWITCHBOARD_OPERATOR_KEY: ` ${KEY} `, SWITCHBOARD_ALLOW_AGENT_TOKENS: 'False' })).toEqual({
    ok: true,
    exposure: { operator: { kind: 'key', key: KEY }, agentTokens: false, warnings: [] },
  });
});

test('refuses a short operator key and a flag that is not true or false, naming the setting', () => {
  expect(decideExposure('0.0.0.0', { SWITCHBOARD_OPERATOR_KEY: 'short', SWITCHBOARD_ALLOW_AGENT_TOKENS: 'yes' })).toEqual({
    ok: false,
    problems: ['SWITCHBOARD_OPERATOR_KEY must be at least 16 characters, got 5', 'SWITCHBOARD_ALLOW_AGENT_TOKENS must be true or false, got "yes"'],
  });
});

test('loopback is 127.0.0.0/8, ::1 and localhost, and nothing else', () => {
  expect(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST'].every(isLoopback)).toBe(true);
  expect(['0.0.0.0', '::', '', '10.0.0.1', '127.0.0.1.example', 'localhost.example', '::ffff:8.8.8.8'].some(isLoopback)).toBe(false);
});
