import { makeStyles, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow } from '@fluentui/react-components';
import type { AgentBoardRow } from '../../workspace/contract';
import { AgentPresence } from './AgentPresence';
import { CapacityBar } from './CapacityBar';

const useStyles = makeStyles({
  scroll: { overflowX: 'auto' },
  table: { minWidth: '520px', tableLayout: 'auto' },
  name: { whiteSpace: 'nowrap' },
  number: { fontVariantNumeric: 'tabular-nums' },
});

/** The agents of every queue: presence and time in it, capacity, chats held, queues served. */
export function AgentTable({ agents, nowMs }: { agents: AgentBoardRow[]; nowMs: number }) {
  const styles = useStyles();
  return (
    <div className={styles.scroll}>
      <Table size="small" aria-label="Agents" className={styles.table}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Agent</TableHeaderCell>
            <TableHeaderCell>Presence</TableHeaderCell>
            <TableHeaderCell>Capacity</TableHeaderCell>
            <TableHeaderCell>Chats</TableHeaderCell>
            <TableHeaderCell>Queues</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {agents.map((agent) => (
            <TableRow key={agent.id}>
              <TableHeaderCell scope="row" className={styles.name}>{agent.name}</TableHeaderCell>
              <TableCell><AgentPresence presence={agent.presence} presenceSince={agent.presenceSince} nowMs={nowMs} /></TableCell>
              <TableCell><CapacityBar agentName={agent.name} usedUnits={agent.usedUnits} capacity={agent.capacity} /></TableCell>
              <TableCell className={styles.number}>{agent.activeChats}</TableCell>
              <TableCell>{agent.queues.join(', ')}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
