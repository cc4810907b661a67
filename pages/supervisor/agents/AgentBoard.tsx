import { makeStyles, Text, tokens } from '@fluentui/react-components';
import type { AgentBoardRow } from '../../workspace/contract';
import { BoardSection } from '../BoardSection';
import { AgentCard } from './AgentCard';
import { AgentTable } from './AgentTable';

const useStyles = makeStyles({
  cards: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  empty: { color: tokens.colorNeutralForeground3 },
});

export interface AgentBoardProps {
  agents: AgentBoardRow[];
  nowMs: number;
  asCards: boolean;
  className?: string;
}

/** D365's real-time Agents tab: who is there, in what presence since when, and how full. */
export function AgentBoard({ agents, nowMs, asCards, className }: AgentBoardProps) {
  const styles = useStyles();
  const online = agents.filter((a) => a.presence !== 'Offline').length;
  return (
    <BoardSection id="agents" title="Agents" hint={`${online} of ${agents.length} signed in`} flat={asCards} className={className}>
      {agents.length === 0 ? (
        <Text className={styles.empty}>No agent serves a queue.</Text>
      ) : asCards ? (
        <div className={styles.cards}>{agents.map((a) => <AgentCard key={a.id} agent={a} nowMs={nowMs} />)}</div>
      ) : (
        <AgentTable agents={agents} nowMs={nowMs} />
      )}
    </BoardSection>
  );
}
