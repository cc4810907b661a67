import { mkdirSync } from 'node:fs';
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

/** The two layouts every page must look right in. */
export const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  wide: { width: 1280, height: 800 },
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
  open(url: string, viewport?: ViewportName): Promise<OpenedPage>;
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
    async open(url, viewport = 'wide') {
      const context = await running().newContext({ viewport: VIEWPORTS[viewport], deviceScaleFactor: 1, locale: 'en-US' });
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
