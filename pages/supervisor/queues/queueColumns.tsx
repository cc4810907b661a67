import type { ReactNode } from 'react';
import type { QueueBoardRow } from '../../workspace/contract';
import { longestWaitSeconds } from '../../workspace/supervisorStore';
import { averageSeconds, elapsed, percent } from '../supervisorFormat';
import { AgentsByPresence } from './AgentsByPresence';
import { KPI_DEFINITIONS, LIVE_DEFINITIONS, NO_VALUE_BECAUSE } from './kpiDefinitions';
import { NoValue } from './NoValue';

/** What a queue's cells need besides the row: the time (waits tick) and the KPI window. */
export interface QueueCellContext {
  nowMs: number;
  windowHours: number;
}

/** One figure of a queue: its name, its definition, and how its value reads. The table and the cards both show these. */
export interface QueueColumn {
  key: string;
  label: string;
  definition: string;
  render: (queue: QueueBoardRow, context: QueueCellContext) => ReactNode;
}

const rate = (value: number | null, why: string) => (value === null ? <NoValue why={why} /> : percent(value));
const average = (value: number | null, why: string) => (value === null ? <NoValue why={why} /> : averageSeconds(value));

/** The live load first, then the window's KPIs (one column per service-level threshold), then the counts. */
export function queueColumns(serviceLevelSeconds: readonly number[]): QueueColumn[] {
  return [
    { key: 'waiting', label: 'Waiting', definition: LIVE_DEFINITIONS.waiting, render: (q) => q.waiting },
    { key: 'offered', label: 'Offered', definition: LIVE_DEFINITIONS.offered, render: (q) => q.offered },
    {
      key: 'longestWait', label: 'Longest wait', definition: LIVE_DEFINITIONS.longestWait,
      render: (q, { nowMs }) => {
        const seconds = longestWaitSeconds(q, nowMs);
        return seconds === null ? <NoValue why="Nothing waits in this queue." /> : elapsed(seconds);
      },
    },
    { key: 'agents', label: 'Agents', definition: LIVE_DEFINITIONS.agents, render: (q) => <AgentsByPresence counts={q.agentsByPresence} /> },
    { key: 'freeCapacity', label: 'Free capacity', definition: LIVE_DEFINITIONS.freeCapacity, render: (q) => q.freeCapacity },
    ...serviceLevelSeconds.map((seconds): QueueColumn => ({
      key: `serviceLevel${seconds}`,
      label: `SL ${seconds} s`,
      definition: `${KPI_DEFINITIONS.serviceLevel.replace(/N/g, String(seconds))} ${KPI_DEFINITIONS.speedToAnswer}`,
      render: (q, { windowHours }) => rate(q.serviceLevel[String(seconds)] ?? null, NO_VALUE_BECAUSE.answered(windowHours)),
    })),
    {
      key: 'asa', label: 'ASA', definition: `${KPI_DEFINITIONS.averageSpeedToAnswer} ${KPI_DEFINITIONS.speedToAnswer}`,
      render: (q, { windowHours }) => average(q.averageSpeedToAnswerSeconds, NO_VALUE_BECAUSE.answered(windowHours)),
    },
    {
      key: 'abandonRate', label: 'Abandon rate', definition: `${KPI_DEFINITIONS.abandonRate} ${KPI_DEFINITIONS.abandoned}`,
      render: (q, { windowHours }) => rate(q.abandonRate, NO_VALUE_BECAUSE.incoming(windowHours)),
    },
    {
      key: 'aht', label: 'AHT', definition: `${KPI_DEFINITIONS.averageHandleTime} ${KPI_DEFINITIONS.handleTime}`,
      render: (q, { windowHours }) => average(q.averageHandleTimeSeconds, NO_VALUE_BECAUSE.handled(windowHours)),
    },
    { key: 'incoming', label: 'Incoming', definition: KPI_DEFINITIONS.incoming, render: (q) => q.incoming },
    { key: 'answered', label: 'Answered', definition: KPI_DEFINITIONS.answered, render: (q) => q.answered },
    { key: 'abandoned', label: 'Abandoned', definition: KPI_DEFINITIONS.abandoned, render: (q) => q.abandoned },
    { key: 'handled', label: 'Handled', definition: KPI_DEFINITIONS.handled, render: (q) => q.handled },
  ];
}
