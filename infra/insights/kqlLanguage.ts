import '@kusto/language-service-next/bridge';
import '@kusto/language-service-next/Kusto.Language.Bridge';

/**
 * Microsoft's Kusto language service (Kusto.Language, the parser and binder behind the portal's editor, compiled
 * to JavaScript), for checking the KQL in infra/insights/ without Azure: it parses a query, binds every name against
 * a schema and infers the result's columns and types. It does not run queries (no npm package does): the numbers
 * are checked in Azure with the recorded sample (README "Insights in Application Insights").
 */

type ColumnType = 'datetime' | 'string' | 'dynamic' | 'int' | 'real' | 'bool';

/** The columns every Application Insights classic table has. */
const COMMON_COLUMNS: [string, ColumnType][] = [
  ['timestamp', 'datetime'], ['name', 'string'], ['itemType', 'string'], ['customDimensions', 'dynamic'], ['customMeasurements', 'dynamic'],
  ['operation_Name', 'string'], ['operation_Id', 'string'], ['operation_ParentId', 'string'], ['session_Id', 'string'], ['user_Id', 'string'],
  ['cloud_RoleName', 'string'], ['cloud_RoleInstance', 'string'], ['appId', 'string'], ['appName', 'string'], ['iKey', 'string'],
  ['sdkVersion', 'string'], ['itemId', 'string'], ['itemCount', 'int'],
];

/** The tables these queries read (the KPIs: customEvents; the conversation trace: the others too), with their own columns. */
const TABLES: Record<string, [string, ColumnType][]> = {
  customEvents: [],
  requests: [['id', 'string'], ['duration', 'real'], ['success', 'bool'], ['resultCode', 'string'], ['url', 'string'], ['source', 'string']],
  dependencies: [['id', 'string'], ['duration', 'real'], ['success', 'bool'], ['resultCode', 'string'], ['target', 'string'], ['type', 'string'], ['data', 'string']],
  exceptions: [['type', 'string'], ['outerMessage', 'string'], ['outerType', 'string'], ['problemId', 'string'], ['severityLevel', 'int'], ['details', 'dynamic']],
};

export interface KqlDiagnostic { severity: string; code: string; message: string; at: string }
export interface KqlAnalysis { diagnostics: KqlDiagnostic[]; columns: { name: string; type: string }[] }

/** The few parts of Kusto.Language's Bridge.NET build used here (its own typings are C#'s, overloads numbered). */
interface Bridged<T> { [index: number]: T; length: number }
interface KustoLanguage {
  Symbols: {
    ScalarTypes: Record<'DateTime' | 'String' | 'Dynamic' | 'Int' | 'Real' | 'Bool', unknown>;
    ColumnSymbol: new (name: string, type: unknown) => unknown;
    TableSymbol: { $ctor4: new (name: string, columns: unknown[]) => unknown };
    DatabaseSymbol: { ctor: new (name: string, members: unknown[]) => unknown };
    ClusterSymbol: { ctor: new (name: string, databases: unknown[]) => unknown };
  };
  GlobalState: { Default: GlobalState };
  KustoCode: { ParseAndAnalyze(text: string, globals: GlobalState): KustoCode };
}
interface GlobalState { WithCluster(cluster: unknown): GlobalState; WithDatabase(database: unknown): GlobalState }
interface KustoCode {
  GetDiagnostics(): unknown;
  ResultType: { Columns?: unknown } | null;
}
interface Diagnostic { Severity: unknown; Code: string | null; Message: string | null; Start: number; End: number }
interface Column { Name: string | null; Type: { Name: string | null } | null }

const bridged = globalThis as unknown as { Kusto: { Language: KustoLanguage }; Bridge: { toArray<T>(list: unknown): Bridged<T> } };
const toArray = <T>(list: unknown): T[] => Array.from(bridged.Bridge.toArray<T>(list) as ArrayLike<T>);

let globals: GlobalState | undefined;

function applicationInsightsGlobals(): GlobalState {
  if (globals) return globals;
  const { Symbols: S, GlobalState: G } = bridged.Kusto.Language;
  const scalar = { datetime: S.ScalarTypes.DateTime, string: S.ScalarTypes.String, dynamic: S.ScalarTypes.Dynamic, int: S.ScalarTypes.Int, real: S.ScalarTypes.Real, bool: S.ScalarTypes.Bool };
  const tables = Object.entries(TABLES).map(([table, own]) => new S.TableSymbol.$ctor4(table, [...COMMON_COLUMNS, ...own].map(([name, type]) => new S.ColumnSymbol(name, scalar[type]))));
  const database = new S.DatabaseSymbol.ctor('applicationinsights', tables);
  globals = G.Default.WithCluster(new S.ClusterSymbol.ctor('applicationinsights', [database])).WithDatabase(database);
  return globals;
}

/** Parses and binds a query against the Application Insights tables: its errors and warnings, and the columns it returns (none unless tabular). */
export function analyzeKql(query: string): KqlAnalysis {
  const code = bridged.Kusto.Language.KustoCode.ParseAndAnalyze(query, applicationInsightsGlobals());
  const diagnostics = toArray<Diagnostic>(code.GetDiagnostics()).map((d) => ({
    severity: String(d.Severity), code: d.Code ?? '', message: d.Message ?? '', at: query.slice(d.Start, d.End).slice(0, 80),
  }));
  const columns = code.ResultType?.Columns ? toArray<Column>(code.ResultType.Columns).map((c) => ({ name: c.Name ?? '', type: c.Type?.Name ?? '' })) : [];
  return { diagnostics, columns };
}
