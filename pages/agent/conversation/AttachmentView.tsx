import { Link, makeStyles, Text, tokens } from '@fluentui/react-components';
import { AttachRegular } from '@fluentui/react-icons';
import type { Attachment } from '../../workspace/contract';
import { AdaptiveCardView } from './AdaptiveCardView';

const useStyles = makeStyles({
  thumbnail: {
    display: 'block',
    maxWidth: '12rem',
    maxHeight: '9rem',
    borderRadius: tokens.borderRadiusMedium,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    objectFit: 'cover',
  },
  file: { display: 'inline-flex', alignItems: 'center', gap: tokens.spacingHorizontalXS },
  other: { color: tokens.colorNeutralForeground3, fontStyle: 'italic' },
});

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/**
 * One attachment of a line: an image as a thumbnail linking to the file, another file as a link (the
 * transcript's links are signed and short-lived, re-signed whenever the transcript is read), an
 * Adaptive Card rendered read-only, and anything else named for what it is.
 */
export function AttachmentView({ attachment }: { attachment: Attachment }) {
  const styles = useStyles();
  const name = attachment.name ?? 'attachment';
  if (attachment.contentType === ADAPTIVE_CARD && attachment.content) return <AdaptiveCardView content={attachment.content} />;
  if (attachment.contentUrl && attachment.contentType.startsWith('image/')) {
    return (
      <a href={attachment.contentUrl} target="_blank" rel="noreferrer noopener" aria-label={`${name} (image, opens in a new tab)`}>
        <img src={attachment.contentUrl} alt={name} className={styles.thumbnail} loading="lazy" />
      </a>
    );
  }
  if (attachment.contentUrl) {
    return (
      <Link href={attachment.contentUrl} target="_blank" rel="noreferrer noopener" className={styles.file}>
        <AttachRegular aria-hidden />
        {name}
      </Link>
    );
  }
  return <Text size={200} className={styles.other}>({attachment.contentType})</Text>;
}
