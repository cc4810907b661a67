import { Badge } from '@fluentui/react-components';
import type { BoardStatus } from '../../workspace/supervisorStore';

/** Waiting chats stand out (Open in the warning colour), held ones are calm. */
const COLOURS: Record<BoardStatus, 'warning' | 'informative' | 'brand' | 'subtle'> = {
  Open: 'warning',
  Offered: 'informative',
  Active: 'brand',
  'Wrap-up': 'subtle',
  Waiting: 'informative',
};

export function StatusBadge({ status }: { status: BoardStatus }) {
  return <Badge appearance="tint" color={COLOURS[status]}>{status}</Badge>;
}
