import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { ConfidentialClientApplication } from '@azure/msal-node';
import type { BotUser, Config } from '../../shared/core/config';
import { QUEUES } from '../../shared/ports/messageBus';
import type { Telemetry, TelemetryProperties } from '../../shared/ports/telemetry';
import { botbuilderEnv, launchBot, type LaunchedBot } from '../fixtures/bots/launchBot';
import { testBotCertificate } from '../fixtures/identity/botCertificate';
import { botAuthenticationOf, JWT_BEARER_ASSERTION_TYPE, startLocalIssuer, type LocalIssuer, type TokenRequestRecord } from '../fixtures/identity/localIssuer';
import { eventually, sampleConfig, startTestHost } from '../support/localHostHarness';

/**
 * Switchboard calls a bot with a certificate credential: the bot's app has a certificate registered (at the
 * local issuer, standing in for Entra ID), and Switchboard's MSAL signs a client assertion with its private key
 * (`credentials: { certificate: { thumbprint, privateKeyFromEnv } }`). The bot is an unmodified botbuilder bot in
 * its own process; for its own tokens (replies to Switchboard) it still uses its secret.
 */
const CHANNEL_AUDIENCE = 'api://switchboard';
const KEY_ENV = 'TEST_BOT_CERT_KEY';
const BOT = { id: 'cert-bot', appId: '33333333-3333-3333-3333-333333333333', secret: 'cert-bot-secret', greeting: 'Hello from botbuilder' };
/** `openssl x509 -in bot-cert.pem -outform DER | openssl dgst -sha1` (README.md of test/fixtures/identity) */
const DOCUMENTED_THUMBPRINT = '0C8AA5FEFA13873E3F52258C6DE6B724F4CE0C20';
const CERT = testBotCertificate();
/** A well-formed SHA-1 thumbprint of no registered certificate. */
const WRONG_THUMBPRINT = createHash('sha1').update('a certificate that was never registered').digest('hex').toUpperCase();

let issuer: LocalIssuer;
let bot: LaunchedBot;

beforeAll(async () => {
  issuer = await startLocalIssuer();
  process.env[KEY_ENV] = CERT.privateKeyPem;
  bot = await launchBot('botbuilder', botbuilderEnv(issuer, BOT.appId, BOT.secret, CHANNEL_AUDIENCE));
}, 30_000);

afterAll(async () => {
  await bot?.stop();
  await issuer?.close();
  delete process.env[KEY_ENV];
});

/** The bot's app registration: a secret (the bot's own outbound tokens) and the certificate (Switchboard's tokens to it). */
function registerBotApp(serviceurl: string): void {
  issuer.registerClient({
    clientId: BOT.appId,
    secret: BOT.secret,
    certificatePem: CERT.certificatePem,
    audiences: [BOT.appId, CHANNEL_AUDIENCE],
    extraClaims: { serviceurl },
    channelStyleAudiences: [BOT.appId],
  });
}

function certificateConfig(thumbprint: string): Config {
  return sampleConfig((config) => {
    config.allowUnauthenticatedBots = false;
    config.botAuthentication = botAuthenticationOf(issuer, CHANNEL_AUDIENCE);
    const certBot: BotUser = {
      id: BOT.id,
      kind: 'bot',
      name: BOT.id,
      endpoint: bot.url,
      capacity: 1000,
      appId: BOT.appId,
      credentials: { certificate: { thumbprint, privateKeyFromEnv: KEY_ENV } },
      contextEventName: 'startConversation',
      deliveryMode: 'normal',
      unreachableAfterSeconds: 1,
    };
    config.users = [certBot, ...config.users.filter((u) => u.kind === 'agent')];
    config.queues = config.queues.map((q) => (q.name === 'BotQueue' ? { ...q, members: [BOT.id] } : q));
  });
}

class RecordingTelemetry implements Telemetry {
  readonly events: { name: string; properties: TelemetryProperties }[] = [];
  trackEvent(name: string, properties: TelemetryProperties = {}): void {
    this.events.push({ name, properties });
  }
  trackMetric(): void {}
  trackException(): void {}
  named(name: string): TelemetryProperties[] {
    return this.events.filter((e) => e.name === name).map((e) => e.properties);
  }
}

/** Token requests the issuer answered since `from` (an index into its request log). */
function tokenRequestsSince(from: number): TokenRequestRecord[] {
  return issuer.requests.slice(from).flatMap((r) => (r.token ? [r.token] : []));
}

/** Starts a Switchboard with `thumbprint` in the bot's credentials, runs `body`, and checks the bus dead-lettered nothing. */
async function withSwitchboard(thumbprint: string, body: (h: { host: Awaited<ReturnType<typeof startTestHost>>; telemetry: RecordingTelemetry }) => Promise<void>): Promise<void> {
  const telemetry = new RecordingTelemetry();
  const host = await startTestHost({ config: certificateConfig(thumbprint), telemetry });
  try {
    registerBotApp(host.services.settings.connectorBaseUrl);
    await body({ host, telemetry });
    await host.bus.whenIdle({ timeoutInMs: 5_000 });
    for (const queue of Object.values(QUEUES)) expect({ queue, deadLetters: await host.bus.listDeadLetters(queue) }).toEqual({ queue, deadLetters: [] });
  } finally {
    await host.close();
  }
}

describe('Switchboard calls a bot with a certificate credential', () => {
  test('the thumbprint is the hex SHA-1 of the DER, as documented and as MSAL expects', () => {
    expect(CERT.thumbprint).toBe(DOCUMENTED_THUMBPRINT);
  });

  // Runs before the positive test on purpose: botframework-connector caches tokens in a process-wide static map
  // keyed by app id + scope (AppCredentials.cache), so after a success in this jest worker a second Switchboard
  // with the same app id would be handed the cached token and never sign an assertion. A failure caches nothing.
  test('a thumbprint that is not the registered certificate: no token, so the chat escalates at once with BotFailure=refused', async () => {
    await withSwitchboard(WRONG_THUMBPRINT, async ({ host, telemetry }) => {
      const from = issuer.requests.length;
      const chat = await host.api.startChat();
      const escalated = await eventually('the escalation', async () => {
        const { body } = await host.api.conversation(chat.conversationId);
        return body.assignee?.kind === 'agent' ? body : undefined;
      }, 8_000);
      // A refused credential is not retried: it would be refused again until the bot's budget ran out.
      expect(escalated).toMatchObject({ status: 'Active', queue: 'DefaultQueue', context: { BotFailure: 'refused' } });
      expect(escalated.history.findLast((h: { type: string }) => h.type === 'routed')).toMatchObject({ rule: 'BotFailureRule' });
      // The bot never saw a request: no greeting, nothing in its log.
      expect((await host.api.messages(chat)).body.messages.map((m) => m.text)).not.toContain(BOT.greeting);
      expect(bot.output()).not.toContain('turn-error');

      // Every token request was a signed assertion naming the wrong certificate, refused as Entra does.
      const tokens = tokenRequestsSince(from);
      // Tried once each: the conversationUpdate, and perhaps the event queued behind it before the escalation landed.
      expect(tokens.length).toBeGreaterThanOrEqual(1);
      expect(tokens.length).toBeLessThanOrEqual(2);
      for (const token of tokens) {
        expect(token).toMatchObject({ authMethod: 'private_key_jwt', clientId: BOT.appId, status: 401, error: 'invalid_client' });
        expect(token.errorDescription).toMatch(/^AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application/);
        expect(token.assertion?.header).toMatchObject({ alg: 'RS256', x5t: Buffer.from(WRONG_THUMBPRINT, 'hex').toString('base64url') });
      }
      // ...and the reason is in telemetry: each failed delivery, and the escalation.
      const failures = telemetry.named('BotDeliveryFailed').filter((p) => p.conversationId === chat.conversationId);
      expect(failures.length).toBe(tokens.length);
      for (const failure of failures) expect(failure.reason).toMatch(/refused its credentials \(invalid_client\): AADSTS700027/);
      expect(telemetry.named('BotUnreachable')).toEqual([
        expect.objectContaining({ bot: BOT.id, failure: 'refused', queue: 'DefaultQueue', reason: expect.stringMatching(/refused its credentials \(invalid_client\): AADSTS700027/) }),
      ]);
    });
  });

  test('the registered certificate: Switchboard gets a token with it and the bot accepts it (the greeting arrives)', async () => {
    await withSwitchboard(CERT.thumbprint, async ({ host, telemetry }) => {
      const from = issuer.requests.length;
      const chat = await host.api.startChat();
      await eventually("the bot's greeting", async () => ((await host.api.messages(chat)).body.messages.some((m) => m.text === BOT.greeting) ? true : undefined), 8_000);
      const { body: conversation } = await host.api.conversation(chat.conversationId);
      expect(conversation).toMatchObject({ status: 'Active', assignee: { id: BOT.id, kind: 'bot' } });
      expect(telemetry.named('BotDeliveryFailed')).toEqual([]);

      // Switchboard's request: a client assertion, no secret. The bot's own request (its reply): its secret.
      const tokens = tokenRequestsSince(from);
      const switchboards = tokens.filter((t) => t.authMethod === 'private_key_jwt');
      expect(switchboards).toHaveLength(1); // one token for both activities: it is cached
      const [switchboard] = switchboards;
      expect(switchboard).toMatchObject({ clientId: BOT.appId, status: 200 });
      expect([...switchboard!.fields].sort()).toEqual(expect.arrayContaining(['client_assertion', 'client_assertion_type', 'client_id', 'grant_type', 'scope']));
      expect(switchboard!.fields).not.toContain('client_secret');
      expect(switchboard?.error).toBeUndefined();
      const { header, claims } = switchboard!.assertion!;
      expect(header).toEqual({ alg: 'RS256', typ: 'JWT', x5t: Buffer.from(CERT.thumbprint, 'hex').toString('base64url') });
      expect(claims).toEqual({
        aud: issuer.tokenEndpoint(),
        iss: BOT.appId,
        sub: BOT.appId,
        jti: expect.any(String),
        iat: expect.any(Number), // jsonwebtoken's, not MSAL's
        nbf: expect.any(Number),
        exp: expect.any(Number),
      });
      expect((claims.exp as number) - (claims.nbf as number)).toBe(600);
      expect(tokens.filter((t) => t.authMethod !== 'private_key_jwt')).toEqual([
        expect.objectContaining({ authMethod: 'client_secret_post', clientId: BOT.appId, status: 200 }),
      ]);
    });
  });
});

describe('the local issuer checks client assertions like Entra ID', () => {
  const rogueKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const msalFor = (clientCertificate: { thumbprint?: string; thumbprintSha256?: string; privateKey: string }) =>
    new ConfidentialClientApplication({
      auth: { clientId: BOT.appId, authority: issuer.loginUrl(), knownAuthorities: [new URL(issuer.baseUrl).host], clientCertificate },
    });
  const acquire = (clientCertificate: Parameters<typeof msalFor>[0]) =>
    msalFor(clientCertificate).acquireTokenByClientCredential({ scopes: [`${BOT.appId}/.default`], skipCache: true });

  beforeAll(() => registerBotApp('http://127.0.0.1/not-used/'));

  test('MSAL with the registered certificate gets a token: RS256 + x5t, and PS256 + x5t#S256 (thumbprintSha256)', async () => {
    const from = issuer.requests.length;
    expect(await acquire({ thumbprint: CERT.thumbprint, privateKey: CERT.privateKeyPem })).toMatchObject({ accessToken: expect.any(String) });
    expect(await acquire({ thumbprintSha256: CERT.thumbprintSha256, privateKey: CERT.privateKeyPem })).toMatchObject({ accessToken: expect.any(String) });
    expect(tokenRequestsSince(from).map((t) => ({ status: t.status, header: t.assertion?.header }))).toEqual([
      { status: 200, header: { alg: 'RS256', typ: 'JWT', x5t: expect.any(String) } },
      { status: 200, header: { alg: 'PS256', typ: 'JWT', 'x5t#S256': Buffer.from(CERT.thumbprintSha256, 'hex').toString('base64url') } },
    ]);
  });

  test.each([
    ['another key under the right thumbprint', { thumbprint: CERT.thumbprint, privateKey: pem(rogueKey) }, /AADSTS700027: Client assertion contains an invalid signature/],
    ['the right key under a wrong thumbprint', { thumbprint: WRONG_THUMBPRINT, privateKey: CERT.privateKeyPem }, /AADSTS700027: The certificate with identifier .* is not registered/],
    ['a thumbprint in openssl -fingerprint form (colons: MSAL cuts it at the first one)', { thumbprint: colons(CERT.thumbprint), privateKey: CERT.privateKeyPem }, /AADSTS700027: The certificate with identifier/],
  ])('MSAL with %s is refused: 401 invalid_client', async (_what, clientCertificate, description) => {
    await expect(acquire(clientCertificate)).rejects.toMatchObject({ errorCode: 'invalid_client', errorMessage: expect.stringMatching(description) });
  });

  const x5t = Buffer.from(CERT.thumbprint, 'hex').toString('base64url');
  const now = () => Math.floor(Date.now() / 1000);
  const validClaims = () => ({ aud: issuer.tokenEndpoint(), iss: BOT.appId, sub: BOT.appId, jti: randomUUID(), nbf: now(), exp: now() + 600 });
  const certKey = () => ({ key: CERT.privateKeyPem, format: 'pem' as const });
  const cases: [string, number, () => Record<string, string>, RegExp][] = [
    ['a valid hand-made assertion', 200, () => form(assertion({ alg: 'RS256', x5t }, validClaims())), /.*/],
    ['an audience that is the issuer, not the token endpoint', 401, () => form(assertion({ alg: 'RS256', x5t }, { ...validClaims(), aud: issuer.issuer })), /not this token endpoint/],
    ['an audience that is another tenant\'s token endpoint', 401, () => form(assertion({ alg: 'RS256', x5t }, { ...validClaims(), aud: issuer.tokenEndpoint('other-tenant') })), /not this token endpoint/],
    ['an expired assertion', 401, () => form(assertion({ alg: 'RS256', x5t }, { ...validClaims(), nbf: now() - 700, exp: now() - 100 })), /AADSTS700024/],
    ['sub other than iss', 401, () => form(assertion({ alg: 'RS256', x5t }, { ...validClaims(), sub: 'someone-else' })), /AADSTS700021/],
    ['client_id other than iss', 401, () => ({ ...form(assertion({ alg: 'RS256', x5t }, validClaims())), client_id: 'someone-else' }), /AADSTS700021/],
    ['no thumbprint in the header', 401, () => form(assertion({ alg: 'RS256' }, validClaims())), /names no certificate/],
    ['alg none', 401, () => form(`${b64({ alg: 'none', x5t })}.${b64(validClaims())}.`), /not allowed/],
    ['a secret and an assertion together', 400, () => ({ ...form(assertion({ alg: 'RS256', x5t }, validClaims())), client_secret: BOT.secret }), /one way only/],
    ['another assertion type', 400, () => ({ ...form(assertion({ alg: 'RS256', x5t }, validClaims())), client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer' }), /client_assertion_type/],
  ];
  test.each(cases)('%s: %i', async (_what, status, makeForm, description) => {
    const response = await fetch(issuer.tokenEndpoint(), { method: 'POST', body: new URLSearchParams(makeForm()) });
    const body = (await response.json()) as { error?: string; error_description?: string };
    expect({ status: response.status, description: body.error_description ?? 'ok' }).toEqual({ status, description: expect.stringMatching(description) });
    if (status === 401) expect(body.error).toBe('invalid_client');
  });

  function form(clientAssertion: string): Record<string, string> {
    return { grant_type: 'client_credentials', scope: `${BOT.appId}/.default`, client_id: BOT.appId, client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: clientAssertion };
  }
  function assertion(header: Record<string, unknown>, claims: Record<string, unknown>): string {
    const input = `${b64({ typ: 'JWT', ...header })}.${b64(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input), certKey()).toString('base64url')}`;
  }
});

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function pem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

function colons(hex: string): string {
  return hex.match(/../g)!.join(':');
}
