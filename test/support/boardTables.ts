import type { Page } from 'playwright-core';

/**
 * Reading the supervisor's tables as the supervisor reads them: each row's cells by their column's name
 * (the last header row), matched by a cell's whole text (`is`) or a part of it (`has`). Shared by the
 * supervisor view's tests and the contact-center scenario, which times how soon a row changes.
 */
export type CellMatch = { is: string } | { has: string };
export const is = (text: string): CellMatch => ({ is: text });
export const has = (text: string): CellMatch => ({ has: text });
export type RowMatch = Record<string, CellMatch>;

interface RowQuery {
  table: string;
  match: RowMatch;
  present: boolean;
}

/**
 * Runs in the page: the page's clock (ms since the epoch) when the table has a matching row (none, when
 * `present` is false), else false. Self-contained, as Playwright sends its source to the page.
 */
function shownAt({ table, match, present }: RowQuery): number | false {
  const element = (globalThis as any).document.querySelector(`table[aria-label="${table}"]`);
  const rows: Record<string, string>[] = [];
  if (element) {
    const heads = element.tHead.rows;
    const names = [...heads[heads.length - 1].cells].map((c: any) => c.innerText.trim());
    for (const row of element.tBodies[0]?.rows ?? []) rows.push(Object.fromEntries([...row.cells].map((c: any, i: number) => [names[i], c.innerText.trim()])));
  }
  const matches = (row: Record<string, string>) => Object.entries(match).every(([column, m]) => {
    const text = row[column];
    if (text === undefined) return false;
    return 'is' in m ? text === m.is : text.includes(m.has);
  });
  return rows.some(matches) === present && Date.now();
}

/**
 * Waits, with a deadline, until the table named `table` has a row whose cells match, or has none when
 * `present` is false. Checks on every frame, and answers the page's clock at the first frame that showed
 * it: when the supervisor could have seen it, not when the test heard.
 */
export async function waitForRow(page: Page, table: string, match: RowMatch, options: { present?: boolean; timeoutInMs?: number } = {}): Promise<number> {
  const { present = true, timeoutInMs = 10_000 } = options;
  try {
    const seen = await page.waitForFunction(shownAt, { table, match, present }, { timeout: timeoutInMs, polling: 'raf' });
    return (await seen.jsonValue()) as number;
  } catch (error) {
    throw new Error(`${table}: no row ${present ? 'with' : 'left with'} ${JSON.stringify(match)} within ${timeoutInMs} ms; the rows are ${JSON.stringify(await tableRows(page, table))}`, { cause: error });
  }
}

/** Whether the table shows a matching row now (none, when `present` is false). */
export async function rowIsShown(page: Page, table: string, match: RowMatch, present = true): Promise<boolean> {
  return (await page.evaluate(shownAt, { table, match, present })) !== false;
}

export async function tableRows(page: Page, table: string): Promise<Record<string, string>[]> {
  return page.evaluate((table) => {
    const element = (globalThis as any).document.querySelector(`table[aria-label="${table}"]`);
    if (!element) return [];
    const heads = element.tHead.rows;
    const names = [...heads[heads.length - 1].cells].map((c: any) => c.innerText.trim());
    return [...element.tBodies[0].rows].map((row: any) => Object.fromEntries([...row.cells].map((c: any, i: number) => [names[i], c.innerText.trim()])));
  }, table);
}

/** One cell's text, in the row whose first cell (its header) is `rowHeader`. */
export async function cellText(page: Page, table: string, rowHeader: string, column: string): Promise<string | undefined> {
  return (await tableRows(page, table)).find((r) => Object.values(r)[0] === rowHeader)?.[column];
}
