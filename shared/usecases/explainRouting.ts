import type { Context, ContextValue, Workstream } from '../core/config';
import { contextProblems, describeContextProblems, typedContext } from '../core/contextInput';
import { ApiError } from '../http/apiError';
import { previewAssignment, type AgentSnapshot } from './assignmentPreview';
import { chatToAssign } from './dispatchQueue';
import type { Services } from './services';

/**
 * A dry run of a workstream's rules: which queue a chat with this context would go to, and why;
 * then, in that queue, which member would get it now (with `agents`, as if their presence and used
 * capacity were those), with the trace an assignment records.
 */
export async function explainRouting(s: Services, workstreamName: string, context: Record<string, ContextValue>, agents: readonly AgentSnapshot[] = []) {
  const workstream = s.directory.workstream(workstreamName);
  if (!workstream) throw new ApiError('NotFound', `workstream "${workstreamName}" does not exist; the configuration has ${s.config.workstreams.map((w) => w.name).join(', ')}`);
  checkSnapshot(s, agents);
  const explained = s.directory.router(workstream.name).explain(checkChatContext(workstream, context));
  const placement = s.directory.place(workstream, explained.decision, []);
  if (placement.kind === 'unroutable') return { ...explained, placement: { queue: null, why: placement.why }, assignment: null };
  const queue = s.directory.queue(placement.queue)!;
  const chat = chatToAssign({ id: '(dry run)', excludedBots: [], declines: {} }, queue, workstream);
  const trace = await previewAssignment(s, queue, chat, agents);
  const chosen = trace.candidates.find((c) => c.id === trace.chosen);
  return {
    ...explained,
    placement: { queue: placement.queue, ...(placement.redirect ? { redirectedFrom: placement.redirect.from, why: placement.redirect.why } : {}) },
    assignment: { queue: placement.queue, agent: trace.chosen, offer: chosen?.kind === 'agent' && workstream.offers !== undefined && !workstream.offers.autoAccept, trace },
  };
}

function checkSnapshot(s: Services, agents: readonly AgentSnapshot[]): void {
  const seen = new Set<string>();
  for (const [index, agent] of agents.entries()) {
    if (!s.directory.agent(agent.id)) throw new ApiError('InvalidBody', `agents[${index}].id: "${agent.id}" is not an agent of the configuration`);
    if (seen.has(agent.id)) throw new ApiError('InvalidBody', `agents[${index}].id: "${agent.id}" is listed twice`);
    seen.add(agent.id);
  }
}

/**
 * Any context a chat can carry when its rules run, no more, whoever set it: the customer, a bot or
 * Switchboard (BotFailure=unreachable). A what-if changes nothing, so who may set what is not asked.
 */
function checkChatContext(workstream: Workstream, context: Record<string, ContextValue>): Context {
  const problems = contextProblems(workstream, context, 'system');
  if (problems.length > 0) throw new ApiError('InvalidBody', describeContextProblems('context', problems));
  return typedContext(workstream, context);
}
