import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { browserPerFile, publishScreenshot, type OpenedPage, type ViewportName } from '../support/browser';
import { eventually, sampleConfig, startTestHost, type TestHost } from '../support/localHostHarness';

/**
 * Web Chat on a customer's own site, as the README tells them to embed it: the real bundle served by
 * Switchboard, in Debian's Chromium, on a page of another origin (allowed by the site's allowedOrigins).
 * The page is the README's snippet itself, so the test breaks when the README stops working. The demo
 * bot greets with buttons, "Something else" brings its Adaptive Card, the card's submit escalates, Alice
 * (through the agent API) answers and ends the chat. A third origin, not allowed, gets no CORS grant and
 * no chat; and the same snippet with `webSocket: true` streams from the local host.
 */
const browser = browserPerFile();
const AGENT = { id: 'alice', name: 'Alice' };
let host: TestHost;
let allowedSite: SitePage;
let streamingSite: SitePage;
let otherSite: SitePage;

beforeAll(async () => {
  allowedSite = await servePage(() => embeddingPage(host.baseUrl, { webSocket: false }));
  streamingSite = await servePage(() => embeddingPage(host.baseUrl, { webSocket: true }));
  otherSite = await servePage(() => embeddingPage(host.baseUrl, { webSocket: false }));
  host = await startTestHost({
    config: sampleConfig((config) => {
      const support = config.directLine.sites.find((site) => site.name === 'support');
      if (!support) throw new Error('test setup: the sample configuration has no Direct Line site "support"');
      support.allowedOrigins = [allowedSite.origin, streamingSite.origin];
      // Alice is the credit-card queue on her own here, so the pictures name her; each viewport's chat is one of hers.
      const queue = config.queues.find((q) => q.name === 'CreditCardQueue');
      if (!queue) throw new Error('test setup: the sample configuration has no CreditCardQueue');
      queue.members = [AGENT.id];
      config.directLine = { ...config.directLine, longPollSeconds: 1 };
    }),
  });
});
afterAll(async () => {
  await host?.close();
  await Promise.all([allowedSite, streamingSite, otherSite].map((site) => site?.close()));
});

/** The README's embedding snippet ("Web Chat on your own site"), pointed at this host. */
function embeddingPage(baseUrl: string, options: { webSocket: boolean }): string {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const snippet = /```html\n([\s\S]*?)```/.exec(readme.split('### Web Chat on your own site')[1] ?? '')?.[1];
  if (!snippet?.includes('webSocket: false')) throw new Error('README.md: no html snippet with "webSocket: false" under "### Web Chat on your own site"');
  const body = snippet.replaceAll('https://<base>', baseUrl).replace('webSocket: false', `webSocket: ${options.webSocket}`);
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Contoso</title><link rel="icon" href="data:,"></head>\n<body>\n${body}</body></html>`;
}

interface SitePage {
  origin: string;
  close(): Promise<void>;
}

/** A customer's web site: one HTML page at `/`, on a loopback port of its own (so an origin of its own). */
async function servePage(html: () => string): Promise<SitePage> {
  const server: Server = createServer((req, res) => {
    if (req.url !== '/') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** Opens the site's page and returns the conversation its token is for (read off the token response). */
async function openSite(site: SitePage, viewport: ViewportName = 'wide'): Promise<OpenedPage & { conversationId: Promise<string> }> {
  const opened = await browser.open('about:blank', viewport);
  const tokenResponse = opened.page.waitForResponse((response) => response.url().endsWith('/api/directline/sites/support/tokens'));
  await opened.page.goto(site.origin + '/');
  const conversationId = tokenResponse.then(async (response) => ((await response.json()) as { conversationId: string }).conversationId);
  return { ...opened, conversationId };
}

// Web Chat's markdown turns ' into ’, so the texts looked for avoid apostrophes.
const transcript = (page: Page) => page.locator('.webchat__basic-transcript');
const bubble = (page: Page, text: string | RegExp) => transcript(page).locator('.webchat__bubble__content', { hasText: text }).first();
/** The buttons under the send box; Web Chat renders hidden copies for screen readers, so only the visible ones. */
const suggestedAction = (page: Page, title: string) => page.locator('.webchat__suggested-actions__button:visible', { hasText: title }).first();

/**
 * Web Chat 4.18.1 has no renderer for `endOfConversation`, which Switchboard sends when a chat ends, as
 * Microsoft's Direct Line forwards a bot's: it shows nothing and logs this (BotFramework-WebChat#4508).
 * The hosted page's activity middleware drops it; the README's bare snippet does not.
 */
const NO_END_RENDERER = /^Error: No renderer for activity of type "endOfConversation"/;
const unexpected = (errors: string[]) => errors.filter((error) => !NO_END_RENDERER.test(error));

describe.each<ViewportName>(['phone', 'wide'])('the README snippet on another origin, at %s width', (viewport) => {
  test('the bot greets with buttons, its card escalates, Alice answers and ends the chat', async () => {
    const opened = await openSite(allowedSite, viewport);
    const { page } = opened;
    await bubble(page, 'the Switchboard demo bot').waitFor({ timeout: 20_000 });
    await suggestedAction(page, 'Something else').waitFor({ timeout: 10_000 });
    // Web Chat's own "Connecting…" lingers a moment after the first activity shows.
    await page.locator('.webchat__connectivityStatus').first().waitFor({ state: 'hidden' });
    await opened.screenshot('embedded-suggested-actions');

    await suggestedAction(page, 'Something else').click();
    const card = transcript(page).locator('.ac-adaptiveCard').last();
    await card.getByText('What is it about?').waitFor({ timeout: 10_000 });
    await card.getByRole('radio', { name: 'A credit card' }).check();
    const cardShot = await opened.screenshot('embedded-adaptive-card');
    if (viewport === 'phone') publishScreenshot(cardShot);
    await card.locator('button.ac-pushButton', { hasText: 'Talk to a specialist' }).click();

    await bubble(page, 'finding you a specialist for a credit card.').waitFor({ timeout: 10_000 });
    const conversationId = await opened.conversationId;
    await eventually(`${AGENT.name} assigned`, async () => ((await host.api.conversation(conversationId)).body.assignee?.id === AGENT.id ? true : undefined), 20_000);
    await bubble(page, `${AGENT.name} joined the chat.`).waitFor({ timeout: 10_000 });
    expect((await host.api.agent(AGENT.id, 'POST', `/conversations/${conversationId}/messages`, { text: 'Hello Sam, I can help with your card.' })).status).toBe(202);
    await bubble(page, 'I can help with your card.').waitFor({ timeout: 10_000 });

    expect((await host.api.agent(AGENT.id, 'POST', `/conversations/${conversationId}/end`)).status).toBe(200);
    await bubble(page, `${AGENT.name} ended the chat.`).waitFor({ timeout: 10_000 });
    await opened.screenshot('embedded-ended');
    expect(unexpected(opened.errors)).toEqual([]);
    await opened.context.close();
  }, 90_000);
});

test('a page on an origin no site allows gets no CORS grant: no token, no Web Chat', async () => {
  const preflight = (origin: string) => fetch(`${host.baseUrl}/api/directline/sites/support/tokens`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  expect((await preflight(allowedSite.origin)).headers.get('access-control-allow-origin')).toBe(allowedSite.origin);
  expect((await preflight(otherSite.origin)).headers.get('access-control-allow-origin')).toBeNull();

  const { page, errors, context } = await browser.open(otherSite.origin + '/');
  await eventually('the browser to refuse the token call', async () => (errors.some((e) => /blocked by CORS policy/.test(e)) ? true : undefined), 20_000);
  expect(await page.locator('.webchat__basic-transcript').count()).toBe(0);
  await context.close();
}, 40_000);

test('the same snippet with webSocket: true streams from the local host: greeting, "bye", the end', async () => {
  const opened = await openSite(streamingSite);
  const { page } = opened;
  await bubble(page, 'the Switchboard demo bot').waitFor({ timeout: 20_000 });
  expect(host.directLineStreams.open).toBe(1);
  await suggestedAction(page, 'Home loan').waitFor();
  const input = page.locator('[data-id="webchat-sendbox-input"]');
  await input.fill('bye');
  await input.press('Enter');
  await bubble(page, 'Goodbye!').waitFor({ timeout: 10_000 });
  const conversationId = await opened.conversationId;
  await eventually('the chat to close', async () => ((await host.api.conversation(conversationId)).body.status === 'Closed' ? true : undefined));
  expect(unexpected(opened.errors)).toEqual([]);
  await opened.context.close();
}, 60_000);
