import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFunctions } from '../shared/host/local/functionsLoader';
import { servedRoute } from '../shared/host/registry';
import { QUEUES } from '../shared/ports/messageBus';

/** Names live in one place: function registrations, host.json and infra must agree with the code. */
const root = join(__dirname, '..');
const registered = loadFunctions();

test('every work queue has exactly one session-enabled trigger', () => {
  const triggers = registered.queues().map((q) => [q.queueName, q.isSessionsEnabled]);
  expect(triggers.sort()).toEqual(Object.values(QUEUES).map((q) => [q, true]).sort());
});

// infra/ is checked against the code in test/infra.test.ts.

test('host.json enables session concurrency and lock renewal for the Service Bus triggers', () => {
  const host = JSON.parse(readFileSync(join(root, 'host.json'), 'utf8'));
  expect(host.version).toBe('2.0');
  expect(host.extensions.serviceBus.maxConcurrentSessions).toBeGreaterThan(0);
  expect(host.extensions.serviceBus.autoCompleteMessages).toBe(true);
});

test('operator routes need a function key in Azure; customer, agent and bot routes authenticate themselves', () => {
  const keyed = registered.http().filter((f) => f.authLevel === 'function').map((f) => f.route).sort();
  expect(keyed).toEqual(['conversations/{id}', 'workstreams/{workstream}/explain']);
});

test('every customer route has a rate-limit class; agent, bot, operator and health routes have none', () => {
  const limited = registered.http().filter((f) => f.rateLimit).map((f) => `${f.methods.join(',')} ${f.route} ${f.rateLimit}`).sort();
  const customer = registered.http().filter((f) => f.route === 'chats' || f.route.startsWith('chats/') || f.route.startsWith('directline/'));
  expect(limited).toHaveLength(customer.length);
  expect(limited).toContain('POST chats chatStart');
  expect(limited.filter((l) => !l.endsWith(' customer'))).toEqual([
    // Web Chat stops polling for good at a 429: past the limit the poll gets an empty set instead.
    'GET,OPTIONS directline/conversations/{id}/activities directLinePoll',
    'POST chats chatStart',
    'POST,OPTIONS directline/sites/{site}/tokens chatStart',
  ]);
});

test('browsers of other origins may call the Direct Line routes (CORS), and no other route', () => {
  const cors = registered.http().filter((f) => f.cors).map((f) => f.route);
  expect(cors.length).toBeGreaterThan(0);
  expect(cors.every((route) => route.startsWith('directline/'))).toBe(true);
  expect(registered.http().filter((f) => f.route.startsWith('directline/') && !f.cors)).toEqual([]);
});

test('only the Direct Line poll and the live streams are held open (neither shed nor counted in flight by the local host)', () => {
  expect(registered.http().filter((f) => f.heldOpen).map((f) => f.name).sort()).toEqual(['agentEvents', 'directLineActivitiesList', 'supervisorEvents']);
});

test('only the upload route reads a body larger than the local host\'s default, as large as the configured files', async () => {
  expect(registered.http().filter((f) => f.maxBodyBytes).map((f) => f.name)).toEqual(['directLineUpload']);
});

test('function names are unique and every HTTP route the API documents is registered', () => {
  const names = [...registered.http(), ...registered.queues(), ...registered.timers()].map((f) => f.name);
  expect(new Set(names).size).toBe(names.length);
  const routes = registered.http().filter((f) => f.surface !== 'page').flatMap((f) => f.methods.map((m) => `${m} ${f.route}`)).sort();
  expect(routes).toEqual([
    'DELETE agents/{agentId}/session/{sessionId}',
    'DELETE connector/v3/conversations/{conversationId}/activities/{activityId}',
    'GET agents/{agentId}/conversations',
    'GET agents/{agentId}/conversations/{id}',
    'GET agents/{agentId}/conversations/{id}/messages',
    'GET agents/{agentId}/events',
    'GET agents/{agentId}/offers',
    'GET agents/{agentId}/workspace',
    'GET chats/{id}',
    'GET chats/{id}/messages',
    'GET connector/v3/conversations/{conversationId}/activities/{activityId}/members',
    'GET connector/v3/conversations/{conversationId}/members',
    'GET conversations/{id}',
    'GET directline/conversations/{id}',
    'GET directline/conversations/{id}/activities',
    'GET directline/conversations/{id}/files/{fileId}',
    'GET directline/sites/{site?}',
    'GET health',
    'GET insights',
    'GET me',
    'GET supervisor/conversations/{id}/messages',
    'GET supervisor/events',
    'GET supervisor/overview',
    'OPTIONS directline/conversations',
    'OPTIONS directline/conversations/{id}',
    'OPTIONS directline/conversations/{id}/activities',
    'OPTIONS directline/conversations/{id}/files/{fileId}',
    'OPTIONS directline/conversations/{id}/upload',
    'OPTIONS directline/sites/{site?}',
    'OPTIONS directline/sites/{site}/tokens',
    'OPTIONS directline/tokens/generate',
    'OPTIONS directline/tokens/refresh',
    'POST agents/{agentId}/conversations/{id}/close',
    'POST agents/{agentId}/conversations/{id}/end',
    'POST agents/{agentId}/conversations/{id}/messages',
    'POST agents/{agentId}/conversations/{id}/notes',
    'POST agents/{agentId}/conversations/{id}/transfer',
    'POST agents/{agentId}/conversations/{id}/typing',
    'POST agents/{agentId}/offers/{conversationId}/accept',
    'POST agents/{agentId}/offers/{conversationId}/reject',
    'POST agents/{agentId}/session',
    'POST chats',
    'POST chats/{id}/end',
    'POST chats/{id}/messages',
    'POST chats/{id}/token',
    'POST connector/v3/conversations',
    'POST connector/v3/conversations/{conversationId}/activities/{activityId?}',
    'POST demo-bot/messages',
    'POST directline/conversations',
    'POST directline/conversations/{id}/activities',
    'POST directline/conversations/{id}/upload',
    'POST directline/sites/{site}/tokens',
    'POST directline/tokens/generate',
    'POST directline/tokens/refresh',
    'POST supervisor/conversations/{id}/assign',
    'POST supervisor/conversations/{id}/close',
    'POST supervisor/conversations/{id}/transfer',
    'POST workstreams/{workstream}/explain',
    'PUT agents/{agentId}/presence',
    'PUT connector/v3/conversations/{conversationId}/activities/{activityId}',
  ]);
});

test('pages are served at the site root and the API under /api, on both hosts (host.json has no route prefix of its own)', () => {
  const host = JSON.parse(readFileSync(join(root, 'host.json'), 'utf8'));
  expect(host.extensions.http.routePrefix).toBe('');
  const pages = registered.http().filter((f) => f.surface === 'page').map((f) => `${f.methods.join(',')} /${servedRoute(f)}`).sort();
  expect(pages).toEqual(['GET,HEAD /agent', 'GET,HEAD /assets/{*path}', 'GET,HEAD /chat/{site?}', 'GET,HEAD /insights', 'GET,HEAD /supervisor']);
  const api = registered.http().filter((f) => f.surface !== 'page').map((f) => `/${servedRoute(f)}`);
  expect(api.filter((route) => !route.startsWith('/api/'))).toEqual([]);
  expect(api).toContain('/api/health');
});

test('pages carry no key and no rate limit: they are static files, and every action they offer is an API call', () => {
  for (const page of registered.http().filter((f) => f.surface === 'page')) expect([page.name, page.authLevel ?? 'anonymous', page.rateLimit]).toEqual([page.name, 'anonymous', undefined]);
});

/** Imports the function files as the Azure Functions host does (SWITCHBOARD_HOST unset), in a fresh module registry. */
function azureRegistrations(env: Record<string, string>): { registered: string[]; toAzure: string[]; routes: Record<string, string>; setups: unknown[] } {
  const saved = { ...process.env };
  delete process.env.SWITCHBOARD_HOST;
  Object.assign(process.env, env);
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined); // @azure/functions: "test mode" outside the host
  try {
    let result: { registered: string[]; toAzure: string[]; routes: Record<string, string>; setups: unknown[] } = { registered: [], toAzure: [], routes: {}, setups: [] };
    jest.isolateModules(() => {
      const { app } = jest.requireActual<typeof import('@azure/functions')>('@azure/functions');
      const toAzure: string[] = [];
      const routes: Record<string, string> = {};
      const http = jest.spyOn(app, 'http').mockImplementation((name, options) => {
        toAzure.push(name);
        routes[name] = options.route ?? '';
      });
      const setups: unknown[] = [];
      const setup = jest.spyOn(app, 'setup').mockImplementation((options) => void setups.push(options));
      for (const file of readdirSync(join(root, 'functions')).filter((f) => f.endsWith('.ts')).sort()) jest.requireActual(join(root, 'functions', file));
      const { registrations } = jest.requireActual<typeof import('../shared/host/registry')>('../shared/host/registry');
      result = { registered: registrations.http().map((f) => f.name), toAzure, routes, setups };
      http.mockRestore();
      setup.mockRestore();
    });
    return result;
  } finally {
    warn.mockRestore();
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

describe('the demo bot (unauthenticated) is served only by the local host, or in Azure when an operator opts in', () => {
  test('in Azure, by default, the demo bot route does not exist', () => {
    const { registered, toAzure } = azureRegistrations({});
    expect(toAzure).toEqual(registered);
    expect(registered).toContain('chatsStart');
    expect(registered).not.toContain('demoBotMessages');
  });

  test('in Azure, API routes are registered under api/ and pages at the root', () => {
    const { routes } = azureRegistrations({});
    expect(routes).toMatchObject({ health: 'api/health', chatsStart: 'api/chats', chatPage: 'chat/{site?}', agentPage: 'agent', supervisorPage: 'supervisor', insightsPage: 'insights', pageAssets: 'assets/{*path}' });
  });

  test(`in Azure with SWITCHBOARD_DEMO_BOT=true it is served (unsafe: the README says so)`, () => {
    expect(azureRegistrations({ SWITCHBOARD_DEMO_BOT: 'true' }).toAzure).toContain('demoBotMessages');
    expect(azureRegistrations({ SWITCHBOARD_DEMO_BOT: 'false' }).toAzure).not.toContain('demoBotMessages');
  });

  test('the local host serves it', () => {
    expect(registered.http().map((f) => f.name)).toContain('demoBotMessages');
  });
});

test('in Azure, HTTP streaming is turned on once (event streams write their body as it comes); the local host never calls app.*', () => {
  expect(azureRegistrations({}).setups).toEqual([{ enableHttpStream: true }]);
  jest.isolateModules(() => {
    const { app } = jest.requireActual<typeof import('@azure/functions')>('@azure/functions');
    const calls = [jest.spyOn(app, 'setup'), jest.spyOn(app, 'http')];
    jest.requireActual<typeof import('../shared/host/local/functionsLoader')>('../shared/host/local/functionsLoader').loadFunctions();
    expect(calls.map((call) => call.mock.calls.length)).toEqual([0, 0]);
    calls.forEach((call) => call.mockRestore());
  });
});
