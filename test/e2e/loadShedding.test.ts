import { eventually, startTestHost } from '../support/localHostHarness';

/**
 * Past its limits the HTTP edge answers at once with 503 and Retry-After rather than queueing;
 * bots and agents keep a larger share than new customers; and service comes back when the burst ends.
 */
test('a burst beyond the limit is shed with 503 + Retry-After, nothing else fails, and service returns', async () => {
  const host = await startTestHost({ admission: { maxConcurrentRequests: 4, maxEventLoopDelayInMs: 10_000, maxEventLoopUtilization: 1 } });
  const { api } = host;
  try {
    const burst = await Promise.all(Array.from({ length: 80 }, () => fetch(`${host.baseUrl}/api/chats`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })));
    const statuses = burst.map((r) => r.status);
    const shed = burst.filter((r) => r.status === 503);
    expect(statuses.filter((s) => s !== 201 && s !== 503)).toEqual([]);
    expect(shed.length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThan(0);
    for (const r of shed) expect(r.headers.get('retry-after')).toBe('1');
    const body = (await shed[0]!.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('ServiceUnavailable');
    expect(body.error.message).toContain('retry after 1 second');
    await Promise.all(burst.filter((r) => r.status !== 503).map((r) => r.text()));

    // The burst is over: the next customer is served, and every accepted chat got its bot.
    const chat = await eventually('service again', async () => {
      const res = await api.call('POST', 'chats', { body: {} });
      return res.status === 201 ? res.body : undefined;
    });
    await eventually('the greeting', async () => ((await api.messages(chat)).body.messages.some((m) => m.role === 'bot') ? true : undefined));
  } finally {
    await host.close();
  }
}, 60_000);

/**
 * A loop that is always busy accepts about one connection per iteration, so waiting customers pile up
 * in the kernel's listen queue where no in-flight count sees them: the edge sheds on the loop's
 * utilization (test/prove/overload.ts shows it under real overload).
 */
test('while the event loop is busy past the limit, customer requests are shed and bots and agents are served', async () => {
  const host = await startTestHost({ admission: { maxConcurrentRequests: 256, maxEventLoopDelayInMs: 10_000, maxEventLoopUtilization: 0.5 } });
  const spin = (ms: number) => {
    for (const until = performance.now() + ms; performance.now() < until;);
  };
  // Busy 40 ms of every 50: about 0.8 of the loop, with gaps in which requests are still answered.
  const busy = setInterval(() => spin(40), 50);
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const customer = await fetch(`${host.baseUrl}/api/chats`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(customer.status).toBe(503);
    expect(customer.headers.get('retry-after')).toBe('1');
    expect(((await customer.json()) as { error: { message: string } }).error.message).toMatch(/busy \d+% of the last 250 ms/);
    const agent = await host.api.agent('alice', 'GET', '/conversations');
    expect(agent.status).toBe(200);
  } finally {
    clearInterval(busy);
  }
  try {
    // Idle again: served.
    await eventually('customers served again', async () => ((await host.api.call('POST', 'chats', { body: {} })).status === 201 ? true : undefined));
  } finally {
    await host.close();
  }
}, 30_000);
