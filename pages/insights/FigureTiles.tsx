import { makeStyles, tokens } from '@fluentui/react-components';
import { DefinedTerm } from '../supervisor/queues/DefinedTerm';
import { NoValue } from '../supervisor/queues/NoValue';
import type { KpiDefinition } from '../workspace/contract';
import { definitionOf, figureText, type Figure } from './insightsView';

const useStyles = makeStyles({
  tiles: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(150px, 1fr))',
    gap: tokens.spacingHorizontalS,
    margin: 0,
  },
  tile: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXXS,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    backgroundColor: tokens.colorNeutralBackground1,
    borderRadius: tokens.borderRadiusMedium,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    minWidth: 0,
  },
  term: { color: tokens.colorNeutralForeground2, fontSize: tokens.fontSizeBase200 },
  value: { margin: 0, fontSize: tokens.fontSizeBase600, lineHeight: tokens.lineHeightBase600, fontWeight: tokens.fontWeightSemibold, fontVariantNumeric: 'tabular-nums' },
  detail: { margin: 0, color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200 },
});

export interface FigureTilesProps<Row> {
  label: string;
  family: KpiDefinition['family'];
  figures: Figure<Row>[];
  row: Row;
  definitions: KpiDefinition[];
}

/** The range's totals, a tile a figure: its name (hover or focus for its definition), its value, and what a rate is of. */
export function FigureTiles<Row>({ label, family, figures, row, definitions }: FigureTilesProps<Row>) {
  const styles = useStyles();
  return (
    <dl className={styles.tiles} aria-label={label}>
      {figures.map((figure) => {
        const text = figureText(figure.kind, figure.value(row));
        return (
          <div key={figure.key} className={styles.tile}>
            <dt className={styles.term}><DefinedTerm label={figure.label} definition={definitionOf(definitions, family, figure)} /></dt>
            <dd className={styles.value}>{text ?? <NoValue why={figure.why} />}</dd>
            {figure.detail && text !== null && <dd className={styles.detail}>{figure.detail(row)}</dd>}
          </div>
        );
      })}
    </dl>
  );
}
