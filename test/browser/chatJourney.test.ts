import type { Page } from 'playwright-core';
import { browserPerFile, publishScreenshot, type OpenedPage, type ViewportName } from '../support/browser';
import type { DirectLineSite } from '../../shared/core/config';
import { customersPickTheTopic, eventually, sampleConfig, startTestHost, type TestHost } from '../support/localHostHarness';

/**
 * A customer's whole chat on the hosted page, over the real Direct Line routes (/api/directline) and the
 * real Web Chat bundle: pre-chat form → token → the bot → a queue notice → "Alice joined" → Alice → the
 * end → a new chat; a reload resumes. Written against the contract of part 7 (the sites and tokens
 * routes, `directLine.sites` in the configuration) before those routes were in this branch: the lead
 * finishes it when they are. Its screenshots are the README's pictures (copied into docs/).
 *
 * Contract assumed:
 *  GET  /api/directline/sites/{site}         → { name, title, prechat: [{ variable, label, type, required, options? }], webSocket }
 *  POST /api/directline/sites/{site}/tokens  → 201 { conversationId, token, expires_in } | 400 `context.<variable>: ...` | 429 + Retry-After
 *  Switchboard's notices: role bot, channelData.switchboard.kind 'system'; agents: kind 'agent', from.name their name.
 */
const SITE: DirectLineSite = {
  name: 'contoso',
  workstream: 'ChatWorkStream',
  title: 'Contoso Support',
  allowedOrigins: [],
  anonymous: true,
  prechat: [
    { variable: 'CustomerEmail', label: 'Email', type: 'email', required: true },
    // A customer who picks the topic skips the bot (customersPickTheTopic lets them): here, left empty.
    { variable: 'BotHandoffTopic', label: 'What is it about?', type: 'choice', required: false, options: ['CreditCard', 'HomeLoan'] },
  ],
};

/** A 1x1 PNG: what a customer's photo looks like to the upload checks (magic bytes and all). */
const ONE_PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

const browser = browserPerFile();
let host: TestHost;

beforeAll(async () => {
  host = await startTestHost({
    config: sampleConfig((config) => {
      customersPickTheTopic(config);
      config.workstreams[0]!.contextVariables.push({ name: 'CustomerEmail', type: 'text', setBy: ['customer'] });
      config.directLine = { ...config.directLine, longPollSeconds: 1, sites: [SITE] };
    }),
  });
});
afterAll(() => host.close());

const transcript = (page: Page) => page.locator('.webchat__basic-transcript');
const bubbles = (page: Page) => transcript(page).locator('.webchat__bubble__content');

async function fillAndStart(page: Page, answers: { name?: string; email?: string; topic?: string }): Promise<void> {
  if (answers.name !== undefined) await page.getByLabel('Your name').fill(answers.name);
  if (answers.email !== undefined) await page.getByLabel('Email').fill(answers.email);
  if (answers.topic !== undefined) await page.getByLabel('What is it about?').selectOption(answers.topic);
  await page.getByRole('button', { name: 'Start chat' }).click();
}

async function say(page: Page, text: string): Promise<void> {
  const input = page.locator('[data-id="webchat-sendbox-input"]');
  await input.fill(text);
  await input.press('Enter');
}

/** The conversation id the page keeps for its reload (sessionStorage, per site). */
async function conversationIdOf(page: Page): Promise<string> {
  const saved = await page.evaluate((site) => (globalThis as any).sessionStorage.getItem(`switchboard.chat.${site}`), SITE.name);
  return JSON.parse(saved ?? '{}').conversationId;
}

/**
 * Keeps a screenshot the README shows, beside the gitignored test/screenshots/, when asked
 * (`UPDATE_SCREENSHOTS=1`): a test run otherwise leaves the committed pictures alone.
 */

describe.each<ViewportName>(['phone', 'wide'])('at %s width', (viewport) => {
  test('the pre-chat form asks the site\'s questions and checks the answers before asking for a chat', async () => {
    const opened = await browser.open(`${host.baseUrl}/chat/${SITE.name}`, viewport);
    const { page } = opened;
    await page.getByRole('heading', { name: SITE.title }).waitFor();
    expect(await page.getByLabel('Email').getAttribute('type')).toBe('email');
    expect(await page.getByLabel('Email').getAttribute('aria-required')).toBe('true');
    expect(await page.getByLabel('What is it about?').evaluate((node) => node.tagName)).toBe('SELECT');
    publishScreenshot(await opened.screenshot('chat-prechat'));
    await fillAndStart(page, { email: 'sam@example' });
    await expect(page.getByText('Enter an email address, like name@example.com.').isVisible()).resolves.toBe(true);
    expect(await page.getByLabel('Email').evaluate((node) => node === (globalThis as any).document.activeElement)).toBe(true);
    await opened.screenshot('chat-prechat-invalid');
    await opened.context.close();
  });

  test('a chat from the form to the bot, the queue, Alice and the end; then a new one', async () => {
    const opened = await browser.open(`${host.baseUrl}/chat/${SITE.name}`, viewport);
    const { page } = opened;
    await fillAndStart(page, { name: 'Sam', email: 'sam@example.com' });
    await bubbles(page).first().waitFor({ timeout: 20_000 });
    // The demo bot's topics as buttons, under the greeting (visible ones: Web Chat keeps hidden copies for screen readers).
    await page.locator('.webchat__suggested-actions__button:visible', { hasText: 'Something else' }).first().waitFor({ timeout: 10_000 });
    // Web Chat's own "Connecting…" lingers a moment after the first activity shows.
    await page.locator('.webchat__connectivityStatus').first().waitFor({ state: 'hidden' });
    await opened.screenshot('chat-greeting');
    await say(page, 'I lost my credit card');
    // Switchboard's own notices are notices, not bubbles.
    await transcript(page).locator('.sb-notice').first().waitFor({ timeout: 20_000 });
    const conversationId = await conversationIdOf(page);
    const assigned = await eventually('an agent', async () => {
      const { body } = await host.api.conversation(conversationId);
      return body.assignee?.kind === 'agent' ? body.assignee.id as string : undefined;
    });
    expect((await host.api.agent(assigned, 'POST', `/conversations/${conversationId}/messages`, { text: 'Hello Sam, I have blocked the card; a new one is on its way.' })).status).toBe(202);
    await transcript(page).getByText('a new one is on its way').first().waitFor({ timeout: 10_000 });
    await expect(transcript(page).locator('.sb-avatar--agent').count()).resolves.toBeGreaterThan(0);
    // A photo through Web Chat's paperclip: uploaded, shown in the transcript, and the agent gets its link.
    await page.locator('input[type="file"]').setInputFiles({ name: 'card.png', mimeType: 'image/png', buffer: Buffer.from(ONE_PIXEL_PNG, 'base64') });
    // Web Chat 4.18 holds a picked file in the send box (once it has made its thumbnail) until the customer sends it.
    const sent = transcript(page).locator('a[href*="/api/directline/conversations/"][download="card.png"]');
    await eventually('the photo sent and echoed with the link Switchboard signed', async () => {
      if ((await sent.count()) > 0) return true;
      await page.locator('[data-id="webchat-sendbox-input"]').press('Enter');
      return undefined;
    }, 20_000);
    const withPhoto = await eventually('the photo in the agent\'s transcript', async () => {
      const { body } = await host.api.agent(assigned, 'GET', `/conversations/${conversationId}/messages`);
      return (body.messages as { attachments?: { name: string }[] }[]).find((m) => m.attachments?.some((a) => a.name === 'card.png'));
    });
    expect(withPhoto).toBeDefined();
    await say(page, 'Thank you!');
    await transcript(page).getByText('Thank you!').first().waitFor();
    publishScreenshot(await opened.screenshot('chat-with-agent'));

    // The reload resumes the same chat, its history shown and no form.
    await page.reload();
    await transcript(page).getByText('a new one is on its way').first().waitFor({ timeout: 20_000 });
    expect(await conversationIdOf(page)).toBe(conversationId);

    expect((await host.api.agent(assigned, 'POST', `/conversations/${conversationId}/end`)).status).toBe(200);
    await page.getByText('This chat has ended.').waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-id="webchat-sendbox-input"]').count()).toBe(0);
    publishScreenshot(await opened.screenshot('chat-ended'));
    await page.getByRole('button', { name: 'Start a new chat' }).click();
    await page.getByRole('heading', { name: SITE.title }).waitFor();
    expect(await page.evaluate((site) => (globalThis as any).sessionStorage.getItem(`switchboard.chat.${site}`), SITE.name)).toBeNull();
    expect(opened.errors).toEqual([]);
    await opened.context.close();
  }, 90_000);
});

test('too many chats from one network: the form says how long to wait', async () => {
  // The visitor token route counts as a chat start (limits.rate.chatStartsPerAddress).
  const limited = await startTestHost({
    config: sampleConfig((config) => {
      config.limits.rate.chatStartsPerAddress = { requests: 1, perSeconds: 60 };
      config.workstreams[0]!.contextVariables.push({ name: 'CustomerEmail', type: 'text', setBy: ['customer'] });
      config.directLine = { ...config.directLine, longPollSeconds: 1, sites: [{ ...SITE, prechat: SITE.prechat.slice(0, 1) }] };
    }),
  });
  try {
    const first: OpenedPage = await browser.open(`${limited.baseUrl}/chat/${SITE.name}`);
    await fillAndStart(first.page, { email: 'sam@example.com' });
    await first.page.locator('.chat-shell').waitFor();
    const second = await browser.open(`${limited.baseUrl}/chat/${SITE.name}`);
    await fillAndStart(second.page, { email: 'sam@example.com' });
    await second.page.getByRole('alert').getByText(/Too many chats from your network: try again in \d+ s\./).waitFor();
    await first.context.close();
    await second.context.close();
  } finally {
    await limited.close();
  }
}, 60_000);
