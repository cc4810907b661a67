import { Divider, makeStyles, Text, tokens } from '@fluentui/react-components';
import type { ConversationDetails } from '../../workspace/contract';
import { dateTimeOf, duration, STATUS_LABELS, timeOf } from '../../workspace/format';
import { ContextList } from './ContextList';
import { SidebarSection } from './SidebarSection';
import { StepList, type Step } from './StepList';
import { TermList } from './TermList';

const useStyles = makeStyles({
  // A divider grows along its flex container by default: in this column that would be vertical space.
  divider: { flexGrow: 0 },
  name: { marginBottom: tokens.spacingVerticalXS },
});

/** What the sidebar says about one chat and its customer. */
export function ConversationDetailsView({ details }: { details: ConversationDetails }) {
  const styles = useStyles();
  const prechat = details.context.filter((c) => c.setBy === 'customer');
  const others = details.context.filter((c) => c.setBy !== 'customer');
  const routing: Step[] = details.routing.map((step, i) => ({
    key: String(i),
    title: `${timeOf(step.at)} · ${step.type}${step.queue ? ` to ${step.queue}` : ''}${step.assignee ? ` (${step.assignee.id})` : ''}`,
    details: [step.rule ? `Rule ${step.rule}${step.reason ? `, on ${step.reason}` : ''}` : '', step.why ?? ''].filter(Boolean),
  }));
  const previous: Step[] = details.previous.map((chat) => ({
    key: chat.id,
    title: dateTimeOf(chat.createdAt),
    details: [[chat.queue, chat.agent && `with ${chat.agent}`, chat.statusReason].filter(Boolean).join(' · ')],
  }));
  return (
    <>
      <section aria-labelledby="sidebar-customer">
        <Text as="h2" weight="semibold" size={400} id="sidebar-customer" block className={styles.name}>{details.customer.name}</Text>
        <TermList rows={[
          ['Status', STATUS_LABELS[details.status] ?? details.status],
          ['Queue', details.queue ?? '—'],
          ['Waited', details.waitedSeconds === null ? '—' : duration(details.waitedSeconds)],
          ['Started', dateTimeOf(details.createdAt)],
          ['Channel', details.site ? `${details.channel} (${details.site})` : details.channel],
        ]} />
      </section>
      <Divider className={styles.divider} />
      <SidebarSection title="Pre-chat answers" id="sidebar-prechat" empty="The customer answered no questions.">
        {prechat.length > 0 && <ContextList entries={prechat} showSetter={false} />}
      </SidebarSection>
      <SidebarSection title="Context" id="sidebar-context" empty="No other context variables.">
        {others.length > 0 && <ContextList entries={others} showSetter />}
      </SidebarSection>
      <Divider className={styles.divider} />
      <SidebarSection title="Routing" id="sidebar-routing" empty="No routing steps recorded.">
        {routing.length > 0 && <StepList steps={routing} />}
      </SidebarSection>
      <SidebarSection title="Previous chats" id="sidebar-previous" empty="This is the customer's first chat.">
        {previous.length > 0 && <StepList steps={previous} />}
      </SidebarSection>
    </>
  );
}
