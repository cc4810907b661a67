import { Badge } from '@fluentui/react-components';
import type { ContextEntry } from '../../workspace/contract';
import { TermList } from './TermList';

/** Context variables and their values; `showSetter` badges who set each (bot, system), which pre-chat answers need not. */
export function ContextList({ entries, showSetter }: { entries: ContextEntry[]; showSetter: boolean }) {
  return (
    <TermList rows={entries.map((entry) => [entry.name, (
      <>
        {String(entry.value)}
        {showSetter && <Badge appearance="outline" size="small" color="informative">set by {entry.setBy}</Badge>}
      </>
    )])} />
  );
}
