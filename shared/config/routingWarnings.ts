import type { Config } from '../core/config';
import { compileRouter } from '../core/rules';

/** The values Switchboard itself puts in BotFailure when it gives up on a bot (see usecases/decideCommand.ts). */
const BOT_FAILURES = ['unreachable', 'refused'] as const;

/**
 * Legal configurations that will still surprise their author, printed at start-up. Today one: a
 * workstream whose rules send a chat whose bot failed (context BotFailure) back to a queue of bots
 * only. Routing then redirects it to the fallback queue (core/placement.ts), so nothing is stranded,
 * but the rules do not say what happens; a rule on BotFailure does.
 */
export function routingWarnings(config: Config): string[] {
  const botIds = new Set(config.users.filter((u) => u.kind === 'bot').map((u) => u.id));
  const botsOnly = new Set(config.queues.filter((q) => q.members.length > 0 && q.members.every((m) => botIds.has(m))).map((q) => q.name));
  const warnings: string[] = [];
  for (const [index, workstream] of config.workstreams.entries()) {
    const router = compileRouter(workstream);
    for (const failure of BOT_FAILURES) {
      const decision = router.route({ BotFailure: failure });
      if (!botsOnly.has(decision.queue)) continue;
      const by = decision.rule ? `rule ${decision.rule}` : 'no rule (the fallback queue)';
      const then = decision.queue === workstream.fallbackQueue
        ? 'it will be closed, since the fallback queue is that queue'
        : `it will go to the fallback queue ${workstream.fallbackQueue} instead`;
      warnings.push(`workstreams[${index}] (${workstream.name}): a chat whose bot failed (BotFailure=${failure}) is sent by ${by} back to ${decision.queue}, whose members are all bots; ${then}. Add a rule for BotFailure above it (README: "When a bot fails").`);
      break;
    }
  }
  return warnings;
}
