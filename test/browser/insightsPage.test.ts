import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { browserPerFile, publishScreenshot, settledViolations, signInWithToken, type OpenedPage, type ViewportName } from '../support/browser';
import { is, tableRows, waitForRow } from '../support/boardTables';
import { conversationWhere, sampleConfig, startTestHost, testClock, type TestClock, type TestHost } from '../support/localHostHarness';
import { trafficOn } from '../support/playTraffic';

/**
 * The insights page at /insights in Chromium, against the real local host and the demo bot, after a morning
 * of traffic with known outcomes played on a test clock (as test/insights/dayOfTraffic.test.ts plays its day):
 * the tiles and tables show the numbers worked out by hand below, a "—" says why it has no value, the range,
 * the granularity and the filters change them, the chart has its table, the CSV export downloads the same
 * query, an agent who is no supervisor is told so. Each screen passes axe's serious and critical rules.
 * Screenshots at phone and wide width (UPDATE_SCREENSHOTS=1 copies them into docs/images for the README).
 *
 * The morning (UTC, 2026-11-30), demo bot in BotQueue; alice alone serves CreditCardQueue, carol HomeLoanQueue:
 *  1. 08:00 the customer says "bye" after 40 s: the bot resolves it.
 *  2. 08:20 "credit card" after 30 s: escalated; alice accepts after 10 s, ends after 300 s, closes after 60 s.
 *  3. 09:00 "home loan" after 15 s: escalated; carol rejects after 5 s, accepts the next offer after 10 s
 *     (speed to answer 15 s), ends after 60 s, closes after 30 s.
 *  4. 09:30 "credit card" after 10 s with alice Offline; the customer leaves after 45 s: abandoned.
 * So: 4 bot conversations, 1 resolved (25%), 3 escalated (75%) after 18.3 s on average ((30 + 15 + 10) / 3);
 * CreditCardQueue 2 incoming, 1 answered in 10 s, 1 abandoned (50%), handle time 6 min, first wait 27.5 s;
 * HomeLoanQueue 1 incoming, answered in 15 s, 1 of 2 offers rejected, handle time 1 min 30 s.
 */
const SUPERVISOR = { id: 'sam', token: 'dev-sam' };
const SECOND = 1000;

const browser = browserPerFile();
let host: TestHost;
let clock: TestClock;
let traffic: ReturnType<typeof trafficOn>;

beforeAll(async () => {
  clock = testClock('2026-11-30T07:50:00.000Z');
  host = await startTestHost({ clock, config: sampleConfig(() => undefined, { offers: true }) });
  traffic = trafficOn(host, clock);
  for (const [agent, presence] of [['alice', 'Available'], ['carol', 'Available'], ['bob', 'Offline'], ['dave', 'Offline']] as const) await traffic.presence(agent, presence);
  await playTheMorning();
}, 120_000);
afterAll(async () => {
  await host.close();
});

async function playTheMorning(): Promise<void> {
  const { advance, at, presence, startWithTheBot, say, customerEnds, offeredTo, agentDoes } = traffic;
  await at('2026-11-30T08:00:00.000Z');
  const one = await startWithTheBot();
  await advance(40 * SECOND);
  await say(one, 'bye');
  await conversationWhere(host, one.conversationId, (c) => c.status === 'Closed', 'chat 1 to close');

  await at('2026-11-30T08:20:00.000Z');
  const two = await startWithTheBot();
  await advance(30 * SECOND);
  await say(two, 'I need a credit card');
  await offeredTo('alice', two);
  await advance(10 * SECOND);
  await agentDoes('alice', 'accept', two);
  await advance(300 * SECOND);
  await agentDoes('alice', 'end', two);
  await advance(60 * SECOND);
  await agentDoes('alice', 'close', two);

  await at('2026-11-30T09:00:00.000Z');
  const three = await startWithTheBot();
  await advance(15 * SECOND);
  await say(three, 'a home loan please');
  await offeredTo('carol', three);
  await advance(5 * SECOND);
  await agentDoes('carol', 'reject', three);
  await conversationWhere(host, three.conversationId, (c) => (c.declines?.carol ?? 0) === 1 && c.offer?.agentId === 'carol', 'the next offer to carol');
  await advance(10 * SECOND);
  await agentDoes('carol', 'accept', three);
  await advance(60 * SECOND);
  await agentDoes('carol', 'end', three);
  await advance(30 * SECOND);
  await agentDoes('carol', 'close', three);

  await at('2026-11-30T09:30:00.000Z');
  await presence('alice', 'Offline');
  const four = await startWithTheBot();
  await advance(10 * SECOND);
  await say(four, 'credit card');
  await advance(45 * SECOND);
  await customerEnds(four);
  await at('2026-11-30T10:00:00.000Z');
}

/** The browser's lines for answers that are the point: 401 before signing in, 404 of /.auth on the local host, 403 for an agent who is no supervisor. */
const expectedRefusals = /Failed to load resource: the server responded with a status of (401|403|404)/;

async function openInsights(viewport: ViewportName, user = SUPERVISOR.id, token = SUPERVISOR.token): Promise<OpenedPage> {
  const opened = await browser.open(`${host.baseUrl}/insights`, viewport);
  opened.page.setDefaultTimeout(10_000);
  await signInWithToken(opened.page, user, token);
  return opened;
}

/** A tile list's figures as the supervisor reads them: each term's text → its value's. */
function tiles(page: Page, label: string): Promise<Record<string, string>> {
  return page.evaluate((label) => {
    const list = (globalThis as any).document.querySelector(`dl[aria-label="${label}"]`);
    if (!list) return {};
    return Object.fromEntries([...list.querySelectorAll('dt')].map((dt: any) => [dt.innerText.trim(), dt.nextElementSibling.innerText.trim()]));
  }, label);
}

async function waitForTiles(page: Page, label: string, expected: Record<string, string>): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const shown = await tiles(page, label);
    if (Object.entries(expected).every(([term, value]) => shown[term] === value)) return;
    if (Date.now() > deadline) throw new Error(`${label}: expected ${JSON.stringify(expected)}, the tiles show ${JSON.stringify(shown)}`);
    await page.waitForTimeout(50);
  }
}

const BOTS = 'Bot insights, the whole range';
const QUEUES = 'Queue analytics, the whole range';

describe('at wide width (1280)', () => {
  let opened: OpenedPage;
  let page: Page;

  afterAll(async () => {
    await opened?.context.close();
  });

  test("sam signs in: the last 24 hours' bot insights, in tiles, a chart with its table, and tables by bot, topic, rule and reason", async () => {
    opened = await openInsights('wide');
    page = opened.page;
    await page.getByRole('tab', { name: 'Bot insights', selected: true }).waitFor({ timeout: 15_000 });
    expect(await page.title()).toBe('Insights');
    await waitForTiles(page, BOTS, {
      'Bot conversations': '4', 'Resolution rate': '25%', 'Escalation rate': '75%', 'Time to escalate': '18.3 s', 'Abandon rate': '0%', 'Deflection rate': '25%',
    });
    await page.getByText('1 of 4 resolved').waitFor();
    await waitForRow(page, 'By bot', { Bot: is('demo-bot'), Conversations: is('4'), Resolved: is('25%'), Escalated: is('75%') });
    expect((await tableRows(page, 'By topic')).map((r) => [r.Topic, r.Conversations, r.Escalated, r['Time to escalate']])).toEqual([
      ['(none)', '1', '0%', '—'],
      ['CreditCard', '2', '100%', '20 s'],
      ['HomeLoan', '1', '100%', '15 s'],
    ]);
    await waitForRow(page, 'By routing rule', { Rule: is('BotRule'), Conversations: is('4') });
    expect(await tableRows(page, 'Top escalation reasons')).toEqual([
      { Reason: 'BotHandoffTopic = CreditCard', Escalations: '2' },
      { Reason: 'BotHandoffTopic = HomeLoan', Escalations: '1' },
    ]);
    // A figure's definition is the server's (shared/core/kpiCatalogue.ts), on hover or focus.
    await page.locator(`dl[aria-label="${BOTS}"]`).getByText('Resolution rate').hover();
    await page.getByRole('tooltip', { name: 'Resolved / bot conversations.' }).waitFor();
    await page.mouse.move(0, 0);
    // The chart, and its numbers as a table.
    const chart = page.getByRole('figure', { name: 'Bot conversations by hour, by outcome' });
    await chart.locator('svg.recharts-surface').first().waitFor();
    expect(await settledViolations(page)).toEqual([]);
    publishScreenshot(await opened.screenshot('insights-bots'));
    await chart.getByRole('button', { name: 'Show as a table' }).click();
    const byHour = (await tableRows(page, 'Bot conversations by hour, by outcome (table)')).filter((r) => r.Resolved !== '0' || r.Escalated !== '0');
    expect(byHour).toEqual([
      { 'Hour (UTC)': '08:00', Resolved: '1', Escalated: '1', Abandoned: '0' },
      { 'Hour (UTC)': '09:00', Resolved: '0', Escalated: '2', Abandoned: '0' },
    ]);
    expect(await settledViolations(page)).toEqual([]);
  }, 60_000);

  test('queue analytics: tiles with a service level per threshold, tables by queue and by agent', async () => {
    await page.getByRole('tab', { name: 'Queue analytics' }).click();
    await waitForTiles(page, QUEUES, {
      Incoming: '3', Answered: '2', 'Average speed to answer': '12.5 s', 'Service level (20 s)': '100%', 'Service level (60 s)': '100%',
      'Abandon rate': '33%', 'Offer rejection rate': '33%', 'Offer timeout rate': '0%',
    });
    await waitForRow(page, 'By queue', {
      Queue: is('CreditCardQueue'), Incoming: is('2'), Answered: is('1'), ASA: is('10 s'), 'SL 20 s': is('100%'), 'Abandon rate': is('50%'), AHT: is('6 min'), 'First wait': is('27.5 s'),
    });
    await waitForRow(page, 'By queue', { Queue: is('HomeLoanQueue'), Incoming: is('1'), ASA: is('15 s'), AHT: is('1 min 30 s'), 'Rejected offers': is('50%') });
    // The bot's queue is left out, and the table says why.
    expect((await tableRows(page, 'By queue')).map((r) => r.Queue)).toEqual(['CreditCardQueue', 'HomeLoanQueue']);
    await page.getByText("BotQueue is a bot's queue: its chats are in Bot insights.").waitFor();
    await waitForRow(page, 'By agent', { Agent: is('alice'), Answered: is('1'), Handled: is('1'), AHT: is('6 min') });
    await waitForRow(page, 'By agent', { Agent: is('carol'), Answered: is('1'), 'Rejected offers': is('50%') });
    await page.getByRole('main').evaluate((main) => main.scrollTo(0, 0));
    expect(await settledViolations(page)).toEqual([]);
    publishScreenshot(await opened.screenshot('insights-queues'));
  }, 30_000);

  test('a filter, the range and the granularity change the numbers', async () => {
    await page.getByLabel('Queue', { exact: true }).selectOption('HomeLoanQueue');
    await waitForTiles(page, QUEUES, { Incoming: '1', Answered: '1', 'Average speed to answer': '15 s' });
    expect((await tableRows(page, 'By queue')).map((r) => r.Queue)).toEqual(['HomeLoanQueue']);
    await page.getByRole('tab', { name: 'Bot insights' }).click();
    // The bot's conversations were in BotQueue: none in HomeLoanQueue, and a rate of nothing is "—" with why.
    await waitForTiles(page, BOTS, { 'Bot conversations': '0', 'Resolution rate': '—', 'Time to escalate': '—' });
    await page.locator(`dl[aria-label="${BOTS}"]`).getByText('—').first().hover();
    await page.getByRole('tooltip', { name: 'No bot conversation ended in this range.' }).waitFor();
    await page.mouse.move(0, 0);
    await page.getByLabel('Queue', { exact: true }).selectOption('');
    await waitForTiles(page, BOTS, { 'Bot conversations': '4' });

    // The day before: nothing.
    await page.getByLabel('Range', { exact: true }).selectOption('custom');
    await page.getByLabel('First day (UTC)').fill('2026-11-29');
    await page.getByLabel('Last day (UTC)').fill('2026-11-29');
    await waitForTiles(page, BOTS, { 'Bot conversations': '0', 'Escalation rate': '—' });
    await page.getByText('29 Nov 2026, 00:00 – 30 Nov 2026, 00:00 UTC, by hour').waitFor();
    await page.getByText('No bot conversation ended in this range.').first().waitFor();
    // The day itself, by day: one period.
    await page.getByLabel('First day (UTC)').fill('2026-11-30');
    await page.getByLabel('Last day (UTC)').fill('2026-11-30');
    await page.getByLabel('By', { exact: true }).selectOption('day');
    await waitForTiles(page, BOTS, { 'Bot conversations': '4' });
    await page.getByText('30 Nov 2026, 00:00 – 1 Dec 2026, 00:00 UTC, by day').waitFor();
    await page.getByRole('figure', { name: 'Bot conversations by day, by outcome' }).getByRole('button', { name: 'Show as a table' }).click();
    await waitForRow(page, 'Bot conversations by day, by outcome (table)', { 'Day (UTC)': is('30 Nov'), Resolved: is('1'), Escalated: is('3') });
    expect(await tableRows(page, 'Bot conversations by day, by outcome (table)')).toHaveLength(1);
    // Last 7 days, to the end of the server's hour (10:00 on the test clock): the server's choice is by day; the morning is in it.
    await page.getByLabel('Range', { exact: true }).selectOption('last7Days');
    await page.getByText('23 Nov 2026, 11:00 – 30 Nov 2026, 11:00 UTC, by day').waitFor();
    await waitForTiles(page, BOTS, { 'Bot conversations': '4' });
    expect(await settledViolations(page)).toEqual([]);
  }, 40_000);

  test('Export CSV downloads the same query as a file, with the same numbers', async () => {
    await page.getByLabel('Range', { exact: true }).selectOption('custom');
    await page.getByLabel('First day (UTC)').fill('2026-11-30');
    await page.getByLabel('Last day (UTC)').fill('2026-11-30');
    await page.getByLabel('By', { exact: true }).selectOption('day');
    await page.getByText(/30 Nov 2026, 00:00 – 1 Dec 2026, 00:00 UTC, by day/).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('switchboard-insights-2026-11-30T00-2026-12-01T00.csv');
    const [header, ...lines] = readFileSync(await download.path(), 'utf8').trim().split('\n');
    const columns = header!.split(',');
    const rows = lines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [columns[i], value])));
    expect(rows.map((r) => [r.family, r.name])).toEqual([['bot', 'demo-bot'], ['workstream', 'ChatWorkStream'], ['queue', 'CreditCardQueue'], ['queue', 'HomeLoanQueue'], ['agent', 'alice'], ['agent', 'carol']]);
    expect(rows[0]).toMatchObject({ botConversations: '4', resolved: '1', escalated: '3' });
    expect(rows[2]).toMatchObject({ incoming: '2', answered: '1', averageSpeedToAnswerSeconds: '10', averageHandleTimeSeconds: '360' });
    expect(opened.errors.filter((e) => !expectedRefusals.test(e))).toEqual([]);
  }, 30_000);

  test('the supervisor page and the insights link to each other', async () => {
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Supervisor' }).click();
    await page.waitForURL(`${host.baseUrl}/supervisor`);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Insights' }).click();
    await page.waitForURL(`${host.baseUrl}/insights`);
    // The same tab stays signed in.
    await waitForTiles(page, BOTS, { 'Bot conversations': '4' });
  }, 30_000);
});

describe('at phone width (390)', () => {
  test('the same insights, one column: tiles, chart, tables that scroll sideways', async () => {
    const opened = await openInsights('phone');
    const { page } = opened;
    await waitForTiles(page, BOTS, { 'Bot conversations': '4', 'Escalation rate': '75%' });
    await page.getByRole('figure', { name: 'Bot conversations by hour, by outcome' }).locator('svg.recharts-surface').first().waitFor();
    expect(await settledViolations(page)).toEqual([]);
    publishScreenshot(await opened.screenshot('insights-bots'));
    // The range and filters fold under one button, which says what they are.
    await page.getByRole('button', { name: 'Last 24 hours', expanded: false }).click();
    await page.getByLabel('Bot', { exact: true }).selectOption('demo-bot');
    await page.getByRole('button', { name: 'Last 24 hours, 1 filter', expanded: true }).waitFor();
    await waitForTiles(page, BOTS, { 'Bot conversations': '4' });
    expect(await settledViolations(page)).toEqual([]);
    await page.getByRole('table', { name: 'By topic' }).scrollIntoViewIfNeeded();
    await opened.screenshot('insights-bots-tables');
    await page.getByLabel('Bot', { exact: true }).selectOption('');
    await page.getByRole('button', { name: 'Last 24 hours', expanded: true }).click();
    await page.getByRole('tab', { name: 'Queue analytics' }).click();
    await waitForTiles(page, QUEUES, { Incoming: '3', Answered: '2' });
    expect(await settledViolations(page)).toEqual([]);
    publishScreenshot(await opened.screenshot('insights-queues'));
    expect(opened.errors.filter((e) => !expectedRefusals.test(e))).toEqual([]);
    await opened.context.close();
  }, 40_000);
});

test('an agent who is no supervisor is told so, and can sign out', async () => {
  const opened = await openInsights('wide', 'alice', 'dev-alice');
  const { page } = opened;
  await page.getByRole('heading', { name: 'Alice is not a supervisor' }).waitFor({ timeout: 15_000 });
  expect(await settledViolations(page)).toEqual([]);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to the insights' }).waitFor();
  expect(opened.errors.filter((e) => !expectedRefusals.test(e))).toEqual([]);
  await opened.context.close();
}, 30_000);
