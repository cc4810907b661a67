import type { Config } from '../../shared/core/config';
import { loadConfigOrThrow, SAMPLE_CONFIG_PATH } from '../../shared/config/loadConfig';
import { routingWarnings } from '../../shared/config/routingWarnings';

/** Start-up warnings for configurations that are valid but route a failed bot's chat back to bots. */

function sample(change: (config: Config) => void = () => undefined): Config {
  const config = loadConfigOrThrow(SAMPLE_CONFIG_PATH);
  change(config);
  return config;
}

const withoutBotFailureRule = (c: Config) => {
  c.workstreams[0]!.rules = c.workstreams[0]!.rules.filter((r) => r.name !== 'BotFailureRule');
};

test('the sample configuration (it has a BotFailure rule) gets no warning', () => {
  expect(routingWarnings(sample())).toEqual([]);
});

test("the README's example rules (no BotFailure rule) get a warning naming the workstream, the rule, the queue and the fix", () => {
  expect(routingWarnings(sample(withoutBotFailureRule))).toEqual([
    'workstreams[0] (ChatWorkStream): a chat whose bot failed (BotFailure=unreachable) is sent by rule BotRule back to BotQueue, whose members are all bots; it will go to the fallback queue DefaultQueue instead. Add a rule for BotFailure above it (README: "When a bot fails").',
  ]);
});

test('a fallback queue of bots only says the chat will be closed', () => {
  const config = sample((c) => {
    withoutBotFailureRule(c);
    c.workstreams[0]!.fallbackQueue = 'BotQueue';
  });
  expect(routingWarnings(config)).toEqual([expect.stringContaining('it will be closed, since the fallback queue is that queue')]);
});

test('a bot queue that also has an agent is no warning: the agent can take the chat', () => {
  const config = sample((c) => {
    withoutBotFailureRule(c);
    c.queues.find((q) => q.name === 'BotQueue')!.members.push('alice');
  });
  expect(routingWarnings(config)).toEqual([]);
});
