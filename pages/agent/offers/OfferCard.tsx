import { Button, Card, CardHeader, makeStyles, ProgressBar, Text, tokens } from '@fluentui/react-components';
import { ChatMultipleRegular } from '@fluentui/react-icons';
import type { Offer } from '../../workspace/contract';
import { minutesAndSeconds } from '../../workspace/format';

const useStyles = makeStyles({
  card: {
    width: '100%',
    boxShadow: tokens.shadow28,
    borderLeft: `${tokens.strokeWidthThickest} solid ${tokens.colorBrandStroke1}`,
  },
  rows: { display: 'grid', gridTemplateColumns: 'auto 1fr', columnGap: tokens.spacingHorizontalM, rowGap: tokens.spacingVerticalXXS, margin: 0 },
  pair: { display: 'contents' },
  term: { color: tokens.colorNeutralForeground3 },
  value: { margin: 0, overflowWrap: 'anywhere' },
  countdown: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, justifyContent: 'flex-end' },
});

export interface OfferCardProps {
  offer: Offer;
  /** Now in server time (the browser's clock corrected by the API's Date header). */
  nowMs: number;
  busy: boolean;
  onAccept: () => void;
  onReject: () => void;
}

/**
 * One incoming chat, as D365's notification shows it: who, from which queue, the pre-chat answers and
 * the bot's summary, a visible countdown to the offer's expiry, Accept, and Reject when the workstream
 * allows it.
 */
export function OfferCard({ offer, nowMs, busy, onAccept, onReject }: OfferCardProps) {
  const styles = useStyles();
  const total = Math.max(1, Date.parse(offer.expiresAt) - Date.parse(offer.offeredAt));
  // Within [0, total]: a browser clock a little behind the server's would otherwise count up past the start.
  const left = Math.min(total, Math.max(0, Date.parse(offer.expiresAt) - nowMs));
  const titleId = `offer-title-${offer.conversationId}`;
  const rows: [string, string][] = [
    ['Queue', offer.queue],
    ...Object.entries(offer.context).filter(([name]) => name !== 'BotHandoffTopic').map(([name, value]): [string, string] => [name, String(value)]),
    ...(offer.escalationSummary ? [['Summary', offer.escalationSummary] as [string, string]] : []),
  ];
  return (
    <Card className={styles.card} role="group" aria-labelledby={titleId}>
      <CardHeader
        image={<ChatMultipleRegular fontSize={24} aria-hidden />}
        header={<Text weight="semibold" id={titleId}>Incoming chat: {offer.customer.name}</Text>}
      />
      <dl className={styles.rows}>
        {rows.map(([term, value]) => (
          <div key={term} className={styles.pair}>
            <dt className={styles.term}>{term}</dt>
            <dd className={styles.value}>{value}</dd>
          </div>
        ))}
      </dl>
      <div className={styles.countdown}>
        <ProgressBar value={left / total} thickness="large" color={left < 15_000 ? 'error' : 'brand'} aria-label="Time left to answer" />
        <Text size={200}>{minutesAndSeconds(left / 1000)} left to answer</Text>
      </div>
      <div className={styles.actions}>
        {offer.allowReject && <Button onClick={onReject} disabled={busy}>Reject</Button>}
        <Button appearance="primary" onClick={onAccept} disabled={busy}>Accept</Button>
      </div>
    </Card>
  );
}
