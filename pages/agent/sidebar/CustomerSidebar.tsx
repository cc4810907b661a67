import { Badge, Divider, makeStyles, MessageBar, MessageBarBody, Spinner, Text, tokens } from '@fluentui/react-components';
import type { ContextEntry, ConversationDetails } from '../../workspace/contract';
import { dateTimeOf, duration, STATUS_LABELS, timeOf } from '../../workspace/format';
import type { DetailsState } from './useConversationDetails';

const useStyles = makeStyles({
  root: {
    height: '100%',
    overflowY: 'auto',
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    padding: tokens.spacingHorizontalL,
    backgroundColor: tokens.colorNeutralBackground1,
    borderLeft: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    boxSizing: 'border-box',
  },
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  rows: { display: 'grid', gridTemplateColumns: 'minmax(6rem, auto) 1fr', columnGap: tokens.spacingHorizontalM, rowGap: tokens.spacingVerticalXXS, margin: 0 },
  pair: { display: 'contents' },
  term: { color: tokens.colorNeutralForeground3 },
  value: { margin: 0, overflowWrap: 'anywhere', display: 'flex', gap: tokens.spacingHorizontalXS, alignItems: 'baseline', flexWrap: 'wrap' },
  steps: { listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  step: { borderLeft: `${tokens.strokeWidthThick} solid ${tokens.colorNeutralStroke2}`, paddingLeft: tokens.spacingHorizontalS },
  why: { color: tokens.colorNeutralForeground3 },
  // A divider grows along its flex container by default: in this column that is vertical space.
  divider: { flexGrow: 0 },
  none: { color: tokens.colorNeutralForeground3 },
});

/**
 * The customer sidebar (D365's Active Conversation page, Chatwoot's contact panel): who the customer is,
 * the chat's queue and wait, the pre-chat answers and the other context variables with who set them,
 * how routing got the chat here and why, and the customer's earlier chats.
 */
export function CustomerSidebar({ state }: { state: DetailsState }) {
  const styles = useStyles();
  return (
    <aside className={styles.root} aria-label="Customer details">
      {state.kind === 'loading' && <Spinner size="small" label="Reading the customer's details…" />}
      {state.kind === 'error' && (
        <MessageBar intent="warning">
          <MessageBarBody>The customer's details are not available: {state.message}</MessageBarBody>
        </MessageBar>
      )}
      {state.kind === 'ready' && <Details details={state.details} />}
    </aside>
  );
}

function Details({ details }: { details: ConversationDetails }) {
  const styles = useStyles();
  const prechat = details.context.filter((c) => c.setBy === 'customer');
  const others = details.context.filter((c) => c.setBy !== 'customer');
  return (
    <>
      <section className={styles.section} aria-labelledby="sidebar-customer">
        <Text as="h2" weight="semibold" size={400} id="sidebar-customer">{details.customer.name}</Text>
        <Rows rows={[
          ['Status', STATUS_LABELS[details.status] ?? details.status],
          ['Queue', details.queue ?? '—'],
          ['Waited', details.waitedSeconds === null ? '—' : duration(details.waitedSeconds)],
          ['Started', dateTimeOf(details.createdAt)],
          ['Channel', details.site ? `${details.channel} (${details.site})` : details.channel],
        ]} />
      </section>
      <Divider className={styles.divider} />
      <Section title="Pre-chat answers" id="sidebar-prechat">
        {prechat.length ? <ContextRows entries={prechat} showSetter={false} /> : <None text="The customer answered no questions." />}
      </Section>
      <Section title="Context" id="sidebar-context">
        {others.length ? <ContextRows entries={others} showSetter /> : <None text="No other context variables." />}
      </Section>
      <Divider className={styles.divider} />
      <Section title="Routing" id="sidebar-routing">
        {details.routing.length ? (
          <ol className={styles.steps}>
            {details.routing.map((step, i) => (
              <li key={i} className={styles.step}>
                <Text size={200} weight="semibold" block>{timeOf(step.at)} · {step.type}{step.queue ? ` to ${step.queue}` : ''}{step.assignee ? ` (${step.assignee.id})` : ''}</Text>
                {step.rule && <Text size={200} block className={styles.why}>Rule {step.rule}{step.reason ? `, on ${step.reason}` : ''}</Text>}
                {step.why && <Text size={200} block className={styles.why}>{step.why}</Text>}
              </li>
            ))}
          </ol>
        ) : <None text="No routing steps recorded." />}
      </Section>
      <Section title="Previous chats" id="sidebar-previous">
        {details.previous.length ? (
          <ol className={styles.steps}>
            {details.previous.map((chat) => (
              <li key={chat.id} className={styles.step}>
                <Text size={200} weight="semibold" block>{dateTimeOf(chat.createdAt)}</Text>
                <Text size={200} block className={styles.why}>{[chat.queue, chat.agent && `with ${chat.agent}`, chat.statusReason].filter(Boolean).join(' · ')}</Text>
              </li>
            ))}
          </ol>
        ) : <None text="This is the customer's first chat." />}
      </Section>
    </>
  );
}

function Section({ title, id, children }: { title: string; id: string; children: React.ReactNode }) {
  const styles = useStyles();
  return (
    <section className={styles.section} aria-labelledby={id}>
      <Text as="h3" weight="semibold" id={id}>{title}</Text>
      {children}
    </section>
  );
}

function Rows({ rows }: { rows: [string, React.ReactNode][] }) {
  const styles = useStyles();
  return (
    <dl className={styles.rows}>
      {rows.map(([term, value]) => (
        <div key={term} className={styles.pair}>
          <dt className={styles.term}>{term}</dt>
          <dd className={styles.value}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function ContextRows({ entries, showSetter }: { entries: ContextEntry[]; showSetter: boolean }) {
  return (
    <Rows rows={entries.map((entry): [string, React.ReactNode] => [entry.name, (
      <>
        {String(entry.value)}
        {showSetter && <Badge appearance="outline" size="small" color="informative">set by {entry.setBy}</Badge>}
      </>
    )])} />
  );
}

function None({ text }: { text: string }) {
  const styles = useStyles();
  return <Text size={200} className={styles.none}>{text}</Text>;
}
