import { makeStyles, tokens } from '@fluentui/react-components';
import type { Offer } from '../../workspace/contract';
import { useNow } from '../../workspace/useNow';
import { OfferCard } from './OfferCard';

const useStyles = makeStyles({
  stack: {
    position: 'fixed',
    top: '56px',
    right: tokens.spacingHorizontalL,
    zIndex: 1000,
    width: 'min(24rem, calc(100vw - 2 * 16px))',
    maxHeight: 'calc(100dvh - 72px)',
    overflowY: 'auto',
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
  },
});

export interface OfferStackProps {
  offers: Offer[];
  clockOffsetMs: number;
  /** Offers whose answer is on its way. */
  answering: ReadonlySet<string>;
  onAccept: (offer: Offer) => void;
  onReject: (offer: Offer) => void;
}

/** The live offers, oldest first, over the top right of the page (D365's notification corner), each counting down. */
export function OfferStack({ offers, clockOffsetMs, answering, onAccept, onReject }: OfferStackProps) {
  const styles = useStyles();
  const now = useNow(1_000, offers.length > 0) + clockOffsetMs;
  if (offers.length === 0) return null;
  return (
    <section className={styles.stack} aria-label="Incoming chats" aria-live="assertive" aria-relevant="additions">
      {offers.map((offer) => (
        <OfferCard
          key={offer.conversationId}
          offer={offer}
          nowMs={now}
          busy={answering.has(offer.conversationId)}
          onAccept={() => onAccept(offer)}
          onReject={() => onReject(offer)}
        />
      ))}
    </section>
  );
}
