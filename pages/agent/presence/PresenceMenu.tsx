import { Menu, MenuButton, MenuItemRadio, MenuList, MenuPopover, MenuTrigger, PresenceBadge } from '@fluentui/react-components';
import type { Presence } from '../../workspace/contract';
import { PRESENCE_BADGES, PRESENCE_LABELS } from '../../workspace/format';

export interface PresenceMenuProps {
  presence: Presence;
  presences: Presence[];
  compact: boolean;
  onChange: (presence: Presence) => void;
}

/** "Set your presence status" (D365's nav bar): the agent's presence, and the five to pick from. */
export function PresenceMenu({ presence, presences, compact, onChange }: PresenceMenuProps) {
  return (
    <Menu
      checkedValues={{ presence: [presence] }}
      onCheckedValueChange={(_, data) => {
        const picked = data.checkedItems[0] as Presence | undefined;
        if (picked && picked !== presence) onChange(picked);
      }}
    >
      <MenuTrigger disableButtonEnhancement>
        <MenuButton
          appearance="subtle"
          icon={<PresenceBadge status={PRESENCE_BADGES[presence]} size="medium" />}
          aria-label={`Presence: ${PRESENCE_LABELS[presence]}. Change presence`}
        >
          {compact ? undefined : PRESENCE_LABELS[presence]}
        </MenuButton>
      </MenuTrigger>
      <MenuPopover>
        <MenuList>
          {presences.map((p) => (
            <MenuItemRadio key={p} name="presence" value={p} icon={<PresenceBadge status={PRESENCE_BADGES[p]} size="small" />}>
              {PRESENCE_LABELS[p]}
            </MenuItemRadio>
          ))}
        </MenuList>
      </MenuPopover>
    </Menu>
  );
}
