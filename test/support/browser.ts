import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core (faces.md B.2): never a downloaded browser. One browser per
 * test file (Playwright gives each launch a fresh temporary profile), one context per page, so
 * sessionStorage and cookies never leak between tests. Screenshots go to test/screenshots/ (gitignored;
 * the README's pictures are copied from there into docs/).
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS_DIR = join(__dirname, '..', 'screenshots');

/** The layouts every page must look right in; the agent workspace is also seen narrow (420) and on a large screen (1440). */
export const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  narrow: { width: 420, height: 860 },
  wide: { width: 1280, height: 800 },
  large: { width: 1440, height: 900 },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught exceptions of the page so far (a CSP violation is one). */
  errors: string[];
  screenshot(name: string): Promise<string>;
}

export interface BrowserHarness {
  /** `prepare` runs on the new context before the page loads (request routing, permissions). */
  open(url: string, viewport?: ViewportName, prepare?: (context: BrowserContext) => Promise<unknown>): Promise<OpenedPage>;
  browser(): Browser;
}

/** Launches Chromium before the file's tests and closes it (and every context) after them. */
export function browserPerFile(): BrowserHarness {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ARGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  const running = (): Browser => {
    if (!browser) throw new Error('the browser did not start');
    return browser;
  };
  return {
    browser: running,
    async open(url, viewport = 'wide', prepare) {
      const context = await running().newContext({ viewport: VIEWPORTS[viewport], deviceScaleFactor: 1, locale: 'en-US' });
      await prepare?.(context);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(url);
      return {
        page,
        context,
        errors,
        async screenshot(name) {
          mkdirSync(SCREENSHOTS_DIR, { recursive: true });
          const path = join(SCREENSHOTS_DIR, `${name}-${viewport}.png`);
          await page.screenshot({ path, fullPage: false });
          return path;
        },
      };
    },
  };
}

/** Keeps a screenshot the README shows (UPDATE_SCREENSHOTS=1): copied beside the others in docs/images, out of the gitignored test/screenshots/. */
export function publishScreenshot(path: string): void {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  const docs = join(__dirname, '..', '..', 'docs', 'images');
  mkdirSync(docs, { recursive: true });
  copyFileSync(path, join(docs, path.split('/').pop() as string));
}

/** The workspace pages' sign-in form (agent, supervisor, insights) with a development token. */
export async function signInWithToken(page: Page, user: string, token: string): Promise<void> {
  await page.getByLabel('User id').fill(user);
  await page.getByLabel('Development token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * axe's serious and critical violations once the page is still: Fluent fades dialogs, drawers and a
 * button's colour in, and a colour read halfway is a false contrast failure.
 */
export async function settledViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(() => Promise.all((globalThis as any).document.getAnimations().map((a: any) => a.finished)));
  return accessibilityViolations(page);
}

/** Impacts that fail a page: a blocker for some users (axe's serious and critical). */
const FAILING_IMPACTS = new Set(['serious', 'critical']);

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Fluent UI's focus manager (Tabster) keeps hidden focus sentinels, `<i tabindex="0" aria-hidden
 * data-tabster-dummy>`, at the edges of toolbars, lists and dialogs: focusing one moves focus on at
 * once, so no one ever lands on it, which is what it is for; axe cannot tell and reports them.
 */
const FOCUS_SENTINELS = '[data-tabster-dummy]';

/**
 * Runs axe-core (Deque's accessibility rules engine) in the page as it is now and returns the serious
 * and critical violations, each with the elements it found. axe is evaluated through the DevTools
 * protocol, which the page's content security policy does not govern, so the page runs under its real
 * policy. `expect(await accessibilityViolations(page)).toEqual([])` shows every violation when it fails.
 */
export async function accessibilityViolations(page: Page, options: { exclude?: string[] } = {}): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe === 'object');
  if (!loaded) await page.evaluate(axeSource());
  const violations = await page.evaluate(async (exclude) => {
    const axe = (globalThis as any).axe;
    const context = { include: [(globalThis as any).document], exclude: exclude.map((selector: string) => [selector]) };
    const result = await axe.run(context, { resultTypes: ['violations'] });
    return (result.violations as any[]).map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n: any) => String(n.target)) }));
  }, [FOCUS_SENTINELS, ...(options.exclude ?? [])]);
  return violations.filter((v: AxeViolation) => FAILING_IMPACTS.has(String(v.impact)));
}

let axe: string | undefined;
function axeSource(): string {
  axe ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  return axe;
}
