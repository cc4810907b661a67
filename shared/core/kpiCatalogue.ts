/**
 * Every KPI the insights show, named once: its field in GET /api/insights and the CSV, its label on the
 * page, and its definition in words. The counting is in core/kpis.ts (queues) and core/botKpis.ts (bots);
 * infra/insights/kpi-definitions.md is generated from this list (npm run insights:definitions) and each KQL
 * query there names the fields it computes, so the portal and the local page count the same thing.
 * Sources: Omnichannel's definitions (reference omnichannel.md §6, faces.md §D.3).
 */
export interface KpiDefinition {
  /** The response field and CSV column. */
  id: string;
  family: 'bot' | 'queue';
  label: string;
  unit: 'count' | 'rate' | 'seconds';
  definition: string;
  /** The telemetry events (customEvents names) it is computed from. */
  events: string[];
}

export const KPI_CATALOGUE: readonly KpiDefinition[] = [
  { id: 'botConversations', family: 'bot', label: 'Bot conversations', unit: 'count', events: ['BotSessionEnded'], definition: "Chats a bot handled: bot sessions that ended in the period (a chat still with its bot counts when its session ends)." },
  { id: 'resolved', family: 'bot', label: 'Resolved', unit: 'count', events: ['BotSessionEnded'], definition: 'Bot conversations that ended without escalation, by the bot (it ended the chat) or by the customer (they closed it).' },
  { id: 'resolutionRate', family: 'bot', label: 'Resolution rate', unit: 'rate', events: ['BotSessionEnded'], definition: 'Resolved / bot conversations.' },
  { id: 'averageResolutionSeconds', family: 'bot', label: 'Average resolution time', unit: 'seconds', events: ['BotSessionEnded'], definition: 'Time with the bot of the resolved conversations, on average.' },
  { id: 'escalated', family: 'bot', label: 'Escalated', unit: 'count', events: ['BotSessionEnded'], definition: 'Bot conversations the bot handed to a human (including those Switchboard escalated because the bot could not be reached: unreachable).' },
  { id: 'escalationRate', family: 'bot', label: 'Escalation rate', unit: 'rate', events: ['BotSessionEnded'], definition: 'Escalated / bot conversations.' },
  { id: 'averageTimeToEscalateSeconds', family: 'bot', label: 'Time to escalate', unit: 'seconds', events: ['BotSessionEnded'], definition: 'Time with the bot before escalation, on average.' },
  { id: 'abandoned', family: 'bot', label: 'Abandoned with the bot', unit: 'count', events: ['BotSessionEnded'], definition: 'Bot conversations the customer left mid-way without ending them: their page was gone for the reconnect window, or the chat was closed as idle.' },
  { id: 'abandonRate', family: 'bot', label: 'Bot abandon rate', unit: 'rate', events: ['BotSessionEnded'], definition: 'Abandoned with the bot / bot conversations.' },
  { id: 'deflected', family: 'bot', label: 'Deflected', unit: 'count', events: ['BotSessionEnded'], definition: 'Resolved + abandoned with the bot: bot conversations no human had to take.' },
  { id: 'deflectionRate', family: 'bot', label: 'Deflection rate', unit: 'rate', events: ['BotSessionEnded'], definition: 'Deflected / bot conversations.' },
  { id: 'averageBotSessionSeconds', family: 'bot', label: 'Average bot session', unit: 'seconds', events: ['BotSessionEnded'], definition: 'Time with the bot, on average over all bot conversations.' },
  { id: 'escalationReasons', family: 'bot', label: 'Top escalation reasons', unit: 'count', events: ['Escalated'], definition: 'The context values bots set when they escalated ("variable = value"), by how many escalations set them.' },
  { id: 'incoming', family: 'queue', label: 'Incoming', unit: 'count', events: ['Routed'], definition: "Chats that entered the queue from their start, a bot escalation or a handoff (transfers re-enter; they do not come in). Queue analytics cover the queues people serve: a queue a bot session ended from in the range is the bot's, and its chats count in the bot insights." },
  { id: 'answered', family: 'queue', label: 'Answered', unit: 'count', events: ['Assigned'], definition: 'Chats a human accepted for the first time from the queue.' },
  { id: 'averageFirstWaitSeconds', family: 'queue', label: 'Average first wait', unit: 'seconds', events: ['Assigned', 'ConversationClosed'], definition: 'From entering the queue (for an escalated chat, the escalation) until a human accepted it or the customer gave up, on average over the answered and the abandoned.' },
  { id: 'averageSpeedToAnswerSeconds', family: 'queue', label: 'Average speed to answer', unit: 'seconds', events: ['Assigned'], definition: 'From entering the queue until a human accepted it, on average over the answered.' },
  { id: 'serviceLevel', family: 'queue', label: 'Service level', unit: 'rate', events: ['Assigned'], definition: 'Answered within N seconds / answered, for each configured N (insights.serviceLevelSeconds, default 20 and 60).' },
  { id: 'abandonRate', family: 'queue', label: 'Abandon rate', unit: 'rate', events: ['Routed', 'ConversationClosed'], definition: 'Abandoned (closed while waiting, before any human accepted) / incoming.' },
  { id: 'handled', family: 'queue', label: 'Handled sessions', unit: 'count', events: ['WrapUpStarted', 'Transferred', 'ConversationClosed'], definition: "An agent's session of a chat ended: it went to wrap-up, the agent transferred it, or it closed while active." },
  { id: 'averageHandleTimeSeconds', family: 'queue', label: 'Average handle time', unit: 'seconds', events: ['WrapUpStarted', 'Transferred', 'ConversationClosed'], definition: 'Active time + wrap-up time / handled sessions.' },
  { id: 'transferRate', family: 'queue', label: 'Transfer rate', unit: 'rate', events: ['Transferred'], definition: 'Sessions transferred out of the queue / handled sessions.' },
  { id: 'offerRejectionRate', family: 'queue', label: 'Offer rejection rate', unit: 'rate', events: ['Offered', 'OfferRejected'], definition: 'Offers agents rejected / offers made.' },
  { id: 'offerTimeoutRate', family: 'queue', label: 'Offer timeout rate', unit: 'rate', events: ['Offered', 'OfferExpired'], definition: 'Offers that expired unanswered / offers made.' },
];
