import { browserPerFile, type ViewportName } from '../support/browser';
import { startTestHost, type TestHost } from '../support/localHostHarness';

/**
 * The chat page in Chromium, in what needs no Direct Line site: it loads from this origin only, runs
 * under its content security policy with Web Chat's bundle, and a site that does not exist gets a
 * page of its own. The journey through a real site is test/browser/chatJourney.test.ts.
 */
const browser = browserPerFile();
let host: TestHost;

beforeAll(async () => {
  host = await startTestHost();
});
afterAll(() => host.close());

/** The browser's line for the site lookup's 404, which is the answer being tested, not a fault. */
const notFoundLine = /Failed to load resource: the server responded with a status of 404/;

test.each<ViewportName>(['phone', 'wide'])('a site that does not exist: "This chat is not available" (%s)', async (viewport) => {
  const { page, errors, screenshot, context } = await browser.open(`${host.baseUrl}/chat/no-such-site`, viewport);
  const heading = page.getByRole('heading', { name: 'This chat is not available' });
  await heading.waitFor();
  expect(await heading.evaluate((node) => node === (globalThis as any).document.activeElement)).toBe(true);
  expect(await page.title()).toBe('Chat not available');
  expect(await page.locator('#app').getAttribute('aria-busy')).toBe('false');
  await screenshot('chat-unavailable');
  expect(errors.filter((e) => !notFoundLine.test(e))).toEqual([]);
  await context.close();
});

test('a request the busy host sheds (503 with Retry-After) is tried again after the wait, not shown as "cannot reach"', async () => {
  let shed = 0;
  const { page, context } = await browser.open(`${host.baseUrl}/chat/no-such-site`, 'phone', (c) =>
    c.route('**/api/directline/sites/no-such-site', async (route) => {
      if (shed++ > 0) return route.continue();
      await route.fulfill({ status: 503, headers: { 'retry-after': '1', 'content-type': 'application/json' }, body: '{"error":{"code":"ServiceUnavailable","message":"Switchboard is at capacity"}}' });
    }),
  );
  await page.getByRole('heading', { name: 'This chat is not available' }).waitFor();
  expect(shed).toBe(2);
  await context.close();
});

test("Web Chat's bundle loads from this origin and runs under the page's content security policy; nothing else is fetched", async () => {
  const requested: string[] = [];
  const { page, errors, context } = await browser.open('about:blank');
  page.on('request', (request) => void requested.push(request.url()));
  await page.goto(`${host.baseUrl}/chat/no-such-site`);
  // The page starts loading the bundle at once, while the site is looked up.
  await page.waitForFunction(() => typeof (globalThis as any).WebChat?.renderWebChat === 'function', undefined, { timeout: 20_000 });
  expect(requested.filter((url) => !url.startsWith(`${host.baseUrl}/`) && !url.startsWith('data:'))).toEqual([]);
  expect(requested.some((url) => /\/assets\/webchat-[\w.-]+\.js$/.test(url))).toBe(true);
  expect(errors.filter((e) => !notFoundLine.test(e))).toEqual([]);
  await context.close();
}, 40_000);
