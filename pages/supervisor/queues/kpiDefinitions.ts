/**
 * What each queue figure means, in the words of shared/core/kpis.ts's header (the one definition of each
 * KPI) without its telemetry names: the supervisor reads them on hover. test/pages/kpiDefinitions.test.ts
 * checks each sentence is still in that header, so a definition changed there fails here until it is
 * said the same way.
 */
export const KPI_DEFINITIONS = {
  incoming: "Incoming: chats that entered the queue from their start, a bot's escalation or handoff; transfers and repairs re-enter, they do not come in.",
  answered: 'Answered: chats a human accepted for the first time from the queue.',
  abandoned: 'Abandoned: chats closed while waiting in the queue before any human accepted them.',
  handled: 'Handled sessions: an agent\'s session of a chat ends: it goes to wrap-up, is transferred by the agent, or is closed straight from Active.',
  averageSpeedToAnswer: 'Average speed to answer = total speed to answer / answered.',
  speedToAnswer: 'Speed to answer: from entering the queue (for an escalated chat, the escalation) to the accept.',
  serviceLevel: 'Service level (N s) = answered within N seconds / answered.',
  abandonRate: 'Abandon rate = abandoned / incoming.',
  averageHandleTime: 'Average handle time = total handle time / handled sessions.',
  handleTime: 'Handle time = active time + wrap-up time.',
} as const;

/** The live figures (not counted over the window): what the board shows now. */
export const LIVE_DEFINITIONS = {
  waiting: 'Chats in the queue that wait for an agent and are offered to nobody yet.',
  offered: 'Chats in the queue offered to an agent who has not answered yet.',
  longestWait: 'How long the chat that has waited longest in the queue (not yet accepted) has waited, from entering it.',
  agents: "The queue's agents by presence.",
  freeCapacity: "Capacity units free now among the queue's agents in a presence that takes chats.",
} as const;

/** Why a rate or an average has no value: its denominator is 0 over the window. */
export const NO_VALUE_BECAUSE = {
  answered: (hours: number) => `No chat of this queue was answered in the last ${hours} hours.`,
  incoming: (hours: number) => `No chat came into this queue in the last ${hours} hours.`,
  handled: (hours: number) => `No agent's session of a chat of this queue ended in the last ${hours} hours.`,
} as const;
