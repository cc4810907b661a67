import { makeStyles, PresenceBadge, Radio, RadioGroup, Text, tokens } from '@fluentui/react-components';
import { PRESENCE_BADGES, PRESENCE_LABELS } from '../../workspace/format';
import { HOLDS_IT, type AgentChoice } from '../../workspace/supervisorStore';

const useStyles = makeStyles({
  group: { maxHeight: '320px', overflowY: 'auto' },
  label: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', columnGap: tokens.spacingHorizontalS },
  presence: { display: 'inline-flex', alignItems: 'center', gap: tokens.spacingHorizontalXS, color: tokens.colorNeutralForeground2 },
  detail: { color: tokens.colorNeutralForeground3 },
});

export interface AgentChoiceListProps {
  choices: AgentChoice[];
  value: string | undefined;
  onChange: (agentId: string) => void;
  /** The group's accessible name. */
  label: string;
}

/** Agents to hand a chat to, each with its presence and free capacity; those that cannot take it are disabled, saying why. */
export function AgentChoiceList({ choices, value, onChange, label }: AgentChoiceListProps) {
  const styles = useStyles();
  return (
    <RadioGroup className={styles.group} value={value ?? ''} onChange={(_, data) => onChange(data.value)} aria-label={label}>
      {choices.map(({ agent, unavailable }) => (
        <Radio
          key={agent.id}
          value={agent.id}
          disabled={unavailable !== undefined}
          label={
            <span className={styles.label}>
              <Text weight="semibold">{agent.name}</Text>
              <span className={styles.presence}>
                <PresenceBadge status={PRESENCE_BADGES[agent.presence]} size="extra-small" aria-hidden />
                {PRESENCE_LABELS[agent.presence]}
              </span>
              <Text size={200} className={styles.detail}>
                {unavailable === HOLDS_IT ? unavailable : `${agent.freeUnits} of ${agent.capacity} free`}
              </Text>
            </span>
          }
        />
      ))}
    </RadioGroup>
  );
}
