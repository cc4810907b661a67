import { Card, makeStyles, Text, tokens } from '@fluentui/react-components';
import type { AgentBoardRow } from '../../workspace/contract';
import { AgentPresence } from './AgentPresence';
import { CapacityBar } from './CapacityBar';

const useStyles = makeStyles({
  name: { margin: 0 },
  card: { padding: tokens.spacingHorizontalM, gap: tokens.spacingVerticalS },
  top: { display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  detail: { color: tokens.colorNeutralForeground3 },
});

/** An agent on a narrow screen: the table row's facts, stacked. */
export function AgentCard({ agent, nowMs }: { agent: AgentBoardRow; nowMs: number }) {
  const styles = useStyles();
  return (
    <Card className={styles.card} role="group" aria-labelledby={`agent-${agent.id}`}>
      <div className={styles.top}>
        <Text as="h3" weight="semibold" className={styles.name} id={`agent-${agent.id}`}>{agent.name}</Text>
        <AgentPresence presence={agent.presence} presenceSince={agent.presenceSince} nowMs={nowMs} />
      </div>
      <CapacityBar agentName={agent.name} usedUnits={agent.usedUnits} capacity={agent.capacity} />
      <Text size={200} className={styles.detail}>
        {agent.activeChats === 1 ? '1 chat' : `${agent.activeChats} chats`} · {agent.queues.join(', ')}
      </Text>
    </Card>
  );
}
