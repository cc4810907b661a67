import { z } from 'zod';
import { GUID_PATTERN } from '../core/guid';
import { canonicalLocale } from '../core/locale';
import { WAIT_PLACEHOLDERS } from '../core/waitNotices';
import { DEFAULT_SERVICE_LEVEL_SECONDS, SERVICE_LEVEL_CHOICES } from '../core/kpis';
import { ASSIGNMENT_METHODS, type Condition, type Config, CONTEXT_EVENT_NAMES, CONTEXT_WRITERS, OPERATORS, PRECHAT_TYPES, PRESENCES, ROLES, VARIABLE_TYPES } from '../core/config';

/**
 * The shape of the configuration file, its JSON Schema (see writeJsonSchema.ts) and the
 * messages a user reads when the file is wrong: `path: what was expected, what came`.
 * Cross-references (a rule's queue exists, ...) are checked after the shape, in loadConfig.ts.
 */

/** Objects reject unknown keys, so a typo is an error, and the message lists the keys that exist. */
function strict<T extends z.core.$ZodLooseShape>(shape: T, meta: { title: string; description: string }) {
  const keys = Object.keys(shape).join(', ');
  return z
    .strictObject(shape, { error: (issue) => (issue.code === 'unrecognized_keys' ? `expected one of ${keys}` : undefined) })
    .meta(meta);
}

/** A closed list of words, reported as `unknown operator "equal", expected one of equals, ...`. */
function oneOf<const T extends readonly [string, ...string[]]>(thing: string, values: T) {
  const list = values.join(', ');
  return z.enum(values, {
    error: ({ input }) => {
      if (input === undefined) return 'is required';
      if (typeof input === 'string') return `unknown ${thing} "${input}", expected one of ${list}`;
      return `expected one of ${list}, got ${describeValue(input)}`;
    },
  });
}

const name = (what: string) => z.string().min(1).max(100).meta({ description: `${what}; 1 to 100 characters, case-sensitive.` });
const positiveInteger = () => z.number().int().positive();
const contextValue = z.union([z.string(), z.number()]);

const contextVariableSchema = strict(
  {
    name: name('Context variable name'),
    type: oneOf('variable type', VARIABLE_TYPES).meta({ description: 'text compares as text (case-sensitive); number compares numerically.' }),
    setBy: z
      .array(oneOf('writer', CONTEXT_WRITERS))
      .min(1)
      .refine((writers) => new Set(writers).size === writers.length, 'must not list a writer twice')
      .default(['bot'])
      .meta({ description: 'Who may set the variable: customer (when the chat starts, e.g. pre-chat answers), bot (when it escalates), system (Switchboard itself, e.g. BotFailure). Default [bot]: customers cannot route themselves. Switchboard\'s own writes are never refused; bots may also set undeclared variables.' }),
  },
  { title: 'Context variable', description: 'A variable bots, Switchboard and (where setBy allows) customers set on a conversation; rules read it.' },
);

const leafConditionSchema = strict(
  {
    variable: z.string().min(1).meta({ description: 'A context variable declared in this workstream.' }),
    operator: oneOf('operator', OPERATORS).meta({ description: 'How the variable is compared with value.' }),
    value: z
      .union([contextValue, z.array(contextValue).min(1)], {
        error: ({ input }) => `expected a string, a number or a list of them, got ${describeValue(input)}`,
      })
      .optional()
      .meta({ description: 'A single value; a list for in / notIn; none for hasData / noData.' }),
  },
  { title: 'Comparison', description: 'Compares one context variable with a value.' },
);

/** Starts the message of a `when` that fits no condition shape; formatIssues looks for it. */
const CONDITION_EXPECTED = 'expected a condition: {variable, operator, value}, {all: [...]}, {any: [...]} or {not: ...}';
/** The key that says which shape a condition means, in the order of the union below. */
const CONDITION_KEYS = ['variable', 'all', 'any', 'not'] as const;

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union(
    [
      leafConditionSchema,
      strict({ all: z.array(conditionSchema).min(1) }, { title: 'All', description: 'Matches when every condition in the list matches.' }),
      strict({ any: z.array(conditionSchema).min(1) }, { title: 'Any', description: 'Matches when at least one condition in the list matches.' }),
      strict({ not: conditionSchema }, { title: 'Not', description: 'Matches when the condition does not match.' }),
    ],
    { error: ({ input }) => `${CONDITION_EXPECTED}, got ${describeValue(input)}` },
  ),
).meta({ id: 'Condition', title: 'Condition', description: 'A comparison, or all / any / not over conditions.' });

const ruleSchema = strict(
  {
    name: name('Rule name, unique within the workstream'),
    queue: z.string().min(1).meta({ description: 'The queue a matching chat goes to.' }),
    when: conditionSchema.optional().meta({ description: 'The condition; a rule without one always matches.' }),
  },
  { title: 'Routing rule', description: 'Rules run top to bottom; the first that matches picks the queue.' },
);

const offersSchema = strict(
  {
    timeoutSeconds: z.number().int().min(10).max(86_400).default(120).meta({ description: 'Seconds the agent has to accept before the offer expires (D365 default 120).' }),
    allowReject: z.boolean().default(true).meta({ description: 'Whether the agent may reject the offer.' }),
    autoAccept: z.boolean().default(false).meta({ description: 'The offer is an assignment at once; the agent is only notified.' }),
    maxDeclinesPerAgent: z.number().int().min(1).max(5).default(3).meta({ description: 'How many times one agent is offered the same chat (rejected or missed), 1 to 5 (D365 default 3).' }),
    onMissed: strict(
      { setPresence: oneOf('presence', PRESENCES).meta({ description: 'The presence an agent who let an offer expire is put in, e.g. Away.' }) },
      { title: 'On a missed offer', description: "What an expired offer does to the agent's presence." },
    ).optional(),
  },
  {
    title: 'Offers',
    description: 'Offer each chat to the best agent with Accept and Reject and a countdown, instead of assigning it. The offer holds the agent\'s capacity until it is answered or expires.',
  },
);

/** A BCP-47 language tag as Intl knows it (`en-US`, `fr`), or `default`. */
function isLocaleKey(key: string): boolean {
  return key === 'default' || canonicalLocale(key) !== undefined;
}

/** A text the customer reads: one string, or one per locale; only the placeholders of its message. */
function localizedText(kind: keyof typeof WAIT_PLACEHOLDERS, description: string) {
  const allowed: readonly string[] = WAIT_PLACEHOLDERS[kind];
  const text = z.string().min(1).max(2000).refine((t) => [...t.matchAll(/\{(\w+)\}/g)].every((m) => allowed.includes(m[1]!)), {
    message: `unknown placeholder, expected ${allowed.map((p) => `{${p}}`).join(', ')}`,
  });
  const byLocale = z.record(z.string().refine(isLocaleKey, { message: 'expected a BCP-47 locale such as en-US, or default' }), text);
  const placeholders = allowed.map((p) => `{${p}}`).join(', ');
  const error = ({ input }: { input?: unknown }) => (isRecord(input) ? `expected texts by BCP-47 locale (en-US, fr, default), each at most 2000 characters with only the placeholders ${placeholders}` : undefined);
  return z.union([text, byLocale], { error }).meta({ description: `${description} One text, or a map locale → text (en-US, fr, default). Placeholders: ${allowed.map((p) => `{${p}}`).join(', ')}.` });
}

const waitExperienceSchema = strict(
  {
    queuePosition: z.boolean().default(false).meta({ description: 'Tell a waiting customer their place in line (at most every 30 s, when it changed; every 60 s past place 150), and "you\'re next" at the head.' }),
    averageWaitTime: z.boolean().default(false).meta({ description: "Tell a waiting customer the queue's average wait, once per wait, when at least 20 chats were answered from the queue and it is over a minute." }),
    messages: strict(
      {
        queuePosition: localizedText('queuePosition', 'The place-in-line message.').optional(),
        nextInLine: localizedText('nextInLine', 'The message at the head of the queue.').optional(),
        averageWait: localizedText('averageWait', 'The average-wait message; {minutes} is rounded up, {duration} reads "1 hour 5 minutes".').optional(),
      },
      { title: 'Wait messages', description: 'Texts of the wait messages; those left out use the built-in English ones.' },
    ).default({}),
  },
  {
    title: 'Customer wait experience',
    description: 'D365\'s "customer wait time": system messages a customer waiting in a queue reads, also given by GET /api/chats/{id}.',
  },
);

const workstreamSchema = strict(
  {
    name: name('Workstream name'),
    capacityUnits: positiveInteger().default(1).meta({ description: "Units of an agent's capacity one chat takes." }),
    fallbackQueue: z.string().min(1).meta({ description: 'Where a chat goes when no rule matches.' }),
    allowedPresences: z
      .array(oneOf('presence', PRESENCES))
      .min(1)
      .default(['Available', 'Busy'])
      .meta({ description: 'Agent presences that may receive chats of this workstream.' }),
    autoClose: strict(
      {
        openMinutes: z.number().positive().default(20).meta({ description: 'A chat waiting in a queue this long is closed.' }),
        wrapUpMinutes: z.number().positive().default(15).meta({ description: 'A chat in wrap-up this long is closed.' }),
        activeIdleMinutes: z.number().positive().default(30).meta({ description: 'An Active chat (with a bot or an agent) with no message from the customer, the bot or the agent for this long is closed (AutoClosedBySystem).' }),
      },
      { title: 'Auto-close', description: 'Minutes after which the system closes an idle chat.' },
    ).default({ openMinutes: 20, wrapUpMinutes: 15, activeIdleMinutes: 30 }),
    wrapUpBlocksCapacity: z.boolean().default(false).meta({ description: "When true, a chat in wrap-up keeps holding the agent's capacity." }),
    contextVariables: z
      .array(contextVariableSchema)
      .max(100)
      .default([])
      .meta({ description: 'The variables rules may read; at most 100, names unique.' }),
    rules: z.array(ruleSchema).default([]).meta({ description: 'Evaluated top to bottom; first match wins.' }),
    offers: offersSchema.optional(),
    waitExperience: waitExperienceSchema.optional(),
    quickReplies: z
      .array(
        strict(
          {
            title: z.string().min(1).max(100).meta({ description: 'What the agent types after / to find it, and sees in the list.' }),
            text: z.string().min(1).max(4000).meta({ description: 'The message it puts in the reply box.' }),
          },
          { title: 'Quick reply', description: 'A canned reply agents pick with / in the reply box.' },
        ),
      )
      .max(200)
      .default([])
      .meta({ description: "Canned replies for this workstream's chats (D365's quick replies): the agent workspace offers them when the agent types /." }),
    reconnect: strict(
      { windowSeconds: z.number().int().min(60).max(86_400).default(180).meta({ description: 'Seconds a Direct Line customer may be away (page closed or reloading) and come back to the same chat; past it the chat ends as left by the customer. Default 180 (D365\'s chat reconnect).' }) },
      { title: 'Chat reconnect', description: 'How long a chat waits for a customer whose page went away.' },
    ).default({ windowSeconds: 180 }),
  },
  { title: 'Workstream', description: 'A channel of work (chat) with its context variables and routing rules.' },
);

const queueSchema = strict(
  {
    name: name('Queue name'),
    priority: z.number().int().default(100).meta({ description: 'Lower number is served first.' }),
    assignment: oneOf('assignment method', ASSIGNMENT_METHODS).default('highestCapacity').meta({ description: 'How the next chat picks a member.' }),
    members: z.array(z.string().min(1)).default([]).meta({ description: 'User ids (bots or agents) who take chats from this queue.' }),
  },
  { title: 'Queue', description: 'Chats wait here, in priority then arrival order, for a member with free capacity.' },
);

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').meta({ description: 'The name of an environment variable (in Azure: an app setting, which may be a Key Vault reference).' });

const botCredentialsSchema = z
  .union([
    strict({ secretFromEnv: envName }, { title: 'Client secret', description: "The bot's client secret, read from an environment variable." }),
    strict(
      { certificate: strict({ thumbprint: z.string().regex(/^[0-9A-Fa-f]{40}$/, 'must be the certificate\'s SHA-1 thumbprint: 40 hex digits, without colons').meta({ description: 'SHA-1 thumbprint of the certificate registered on the bot app, 40 hex digits.' }), privateKeyFromEnv: envName }, { title: 'Certificate', description: 'A certificate registered on the bot app: its thumbprint and its PEM private key from an environment variable.' }) },
      { title: 'Certificate credentials', description: 'Sign token requests with a certificate.' },
    ),
    strict(
      { managedIdentity: strict({ clientId: z.string().min(1) }, { title: 'Managed identity', description: "The client id of the Function App's user-assigned managed identity, which must be the bot's identity." }) },
      { title: 'Managed identity credentials', description: 'Azure only: the Function App\'s user-assigned managed identity.' },
    ),
  ], { error: () => 'expected one of {secretFromEnv: NAME}, {certificate: {thumbprint, privateKeyFromEnv}} or {managedIdentity: {clientId}}' });

const botAuthenticationSchema = strict(
  {
    tokenIssuer: z.string().min(1).meta({ description: 'The exact iss of tokens on the channel path, trailing slash included (botbuilder ToBotFromChannelTokenIssuer).' }),
    openIdMetadataUrl: z.url({ protocol: /^https$/ }).meta({ description: 'OpenID metadata whose keys sign bot tokens (ToBotFromChannelOpenIdMetadataUrl).' }),
    loginUrl: z.url({ protocol: /^https$/ }).meta({ description: 'Authority Switchboard asks for tokens to call bots (ToChannelFromBotLoginUrl).' }),
    channelAudience: z.string().min(1).default('https://api.botframework.com').meta({ description: 'Audience bots put on their tokens to Switchboard (ToChannelFromBotOAuthScope); https://api.botframework.com is always accepted.' }),
    knownAuthorities: z.array(z.string().min(1)).default([]).meta({ description: 'Authority hosts (host:port) MSAL may trust without Microsoft instance discovery.' }),
  },
  { title: 'Bot authentication', description: 'The identity provider for a sovereign cloud or a self-hosted issuer. Omit for the public Azure cloud.' },
);

const botSchema = strict(
  {
    id: name('User id'),
    kind: z.literal('bot').meta({ description: 'bot or agent.' }),
    name: z.string().min(1).optional().meta({ description: 'Display name; defaults to the id.' }),
    endpoint: z
      .union([z.url({ protocol: /^https?$/ }), z.string().regex(/^\/[^/]/, 'a path must start with a single /')], {
        error: (issue) => `expected an http or https URL or a path starting with /, got ${JSON.stringify(issue.input)}`,
      })
      .meta({ description: "The bot's Bot Framework messaging endpoint: an http(s) URL, or a path such as /api/demo-bot/messages served by Switchboard's own host (resolved against its base URL, so PORT can change)." }),
    capacity: positiveInteger().default(1000).meta({ description: 'Chats the bot may hold at once.' }),
    appId: z.string().min(1).optional().meta({ description: "The bot's Microsoft App ID. Without it the bot runs unauthenticated, which needs allowUnauthenticatedBots: true." }),
    tenantId: z.string().min(1).optional().meta({ description: 'Tenant of a single-tenant bot: Switchboard asks that tenant for tokens.' }),
    credentials: botCredentialsSchema.optional().meta({ description: "What Switchboard uses to get a token for calling the bot (audience = the bot's app id). Required with appId." }),
    contextEventName: oneOf('context event name', CONTEXT_EVENT_NAMES).default('startConversation').meta({ description: 'The event that carries the context variables when the bot session starts.' }),
    deliveryMode: oneOf('delivery mode', ['normal', 'expectReplies'] as const).default('normal').meta({ description: 'expectReplies: the bot answers in the HTTP response instead of calling the connector.' }),
    unreachableAfterSeconds: positiveInteger().default(60).meta({ description: 'After this long without reaching the bot, the chat is escalated with BotFailure=unreachable.' }),
  },
  { title: 'Bot', description: 'A Bot Framework bot that takes chats first.' },
);

const agentSchema = strict(
  {
    id: name('User id'),
    kind: z.literal('agent').meta({ description: 'bot or agent.' }),
    name: z.string().min(1).optional().meta({ description: 'Display name; defaults to the id.' }),
    capacity: positiveInteger().meta({ description: 'Capacity units the agent can hold at once.' }),
    token: z.string().min(1).optional().meta({ description: 'Development bearer token for the agent API; unique.' }),
    principal: z
      .string()
      .regex(GUID_PATTERN, { error: ({ input }) => `must be the agent's Entra ID object id (a GUID such as 6f1d2c3b-0a4e-4b5c-9d8e-7f6a5b4c3d2e), not a sign-in name or email, got ${JSON.stringify(input)}` })
      .optional()
      .meta({ description: "The agent's Entra ID object id (oid, a GUID), which App Service authentication maps to this agent when the sign-in comes from SWITCHBOARD_AGENT_TENANT_ID; unique, case-insensitive. Never a UPN or email: their owner can change those." }),
    presence: oneOf('presence', PRESENCES).default('Available').meta({ description: 'Presence before the agent sets one.' }),
    roles: z.array(oneOf('role', ROLES)).default([]).meta({ description: 'Roles of the agent: supervisor, for the supervisor routes (/api/supervisor: assign, transfer, force-close and monitor any conversation). None by default.' }),
  },
  { title: 'Agent', description: 'A human agent.' },
);

/** One chat's bounds; the store and every reader of a transcript count on them. */
const chatLimitsSchema = strict(
  {
    maxMessages: positiveInteger().default(1000).meta({ description: 'Messages one chat may hold, whoever writes them; past it customers, bots and agents get 409 ChatLimitReached.' }),
    maxBytes: positiveInteger().default(1_048_576).meta({ description: 'UTF-8 bytes of texts, attachments and suggested actions one chat may hold (default 1 MiB).' }),
  },
  { title: 'Chat limits', description: 'What one chat may hold. System messages (joins, closes) are always kept.' },
);

const KINDS = ['bot', 'agent'] as const;

const userSchema = z
  .discriminatedUnion('kind', [botSchema, agentSchema], {
    error: ({ input }) => {
      const kind = isRecord(input) ? input.kind : undefined;
      if (kind === undefined) return `is required, expected one of ${KINDS.join(', ')}`;
      return typeof kind === 'string' ? `unknown user kind "${kind}", expected one of ${KINDS.join(', ')}` : `expected one of ${KINDS.join(', ')}, got ${describeValue(kind)}`;
    },
  })
  .transform((user) => ({ ...user, name: user.name ?? user.id }));

function rateLimitSchema(counted: string, defaults: { requests: number; perSeconds: number }) {
  return z
    .union([
      z.literal(false),
      strict(
        {
          requests: positiveInteger().meta({ description: 'Requests allowed at once; the allowance refills at this many per perSeconds.' }),
          perSeconds: z.number().positive().meta({ description: 'The period the allowance refills over, in seconds.' }),
        },
        { title: 'Rate limit', description: `At most \`requests\` ${counted} per \`perSeconds\` seconds.` },
      ),
    ], { error: () => 'expected {requests, perSeconds} or false (off)' })
    .default(() => ({ ...defaults }))
    .meta({ description: `${counted}: {requests, perSeconds}, or false to turn it off. Default ${defaults.requests} per ${defaults.perSeconds} s.` });
}

const DEFAULT_RATE_LIMITS = {
  chatStartsPerAddress: { requests: 10, perSeconds: 60 },
  requestsPerAddress: { requests: 600, perSeconds: 60 },
  requestsPerToken: { requests: 60, perSeconds: 10 },
};

/** Fresh objects each time: a parsed configuration must not share (and let a caller change) the defaults. */
function defaultRateLimits() {
  return Object.fromEntries(Object.entries(DEFAULT_RATE_LIMITS).map(([name, limit]) => [name, { ...limit }])) as typeof DEFAULT_RATE_LIMITS;
}

/** `limits.rate`: per-client limits of the customer routes (429 with Retry-After past them), kept per process. */
const rateLimitsSchema = strict(
  {
    chatStartsPerAddress: rateLimitSchema('Chat starts (POST /api/chats) per client address', DEFAULT_RATE_LIMITS.chatStartsPerAddress),
    requestsPerAddress: rateLimitSchema('Customer requests (every /api/chats route) per client address', DEFAULT_RATE_LIMITS.requestsPerAddress),
    requestsPerToken: rateLimitSchema('Customer requests per conversation token', DEFAULT_RATE_LIMITS.requestsPerToken),
  },
  { title: 'Rate limits', description: 'Per-client limits of the customer routes; each Function App instance (or npm start process) counts on its own.' },
).default(() => defaultRateLimits());

/** Defaults as functions: each load gets its own objects, so changing one configuration never changes the next. */
const defaultChatLimits = () => ({ maxMessages: 1000, maxBytes: 1_048_576 });

const limitsSchema = strict(
  { chat: chatLimitsSchema.default(defaultChatLimits), rate: rateLimitsSchema },
  { title: 'Limits', description: 'Bounds on what one client may do, and make Switchboard store and serve.' },
).default(() => ({ chat: defaultChatLimits(), rate: defaultRateLimits() }));

const DEFAULT_CUSTOMER_TOKENS = { lifetimeMinutes: 1440, readAfterCloseMinutes: 15 };

const customerTokensSchema = strict(
  {
    lifetimeMinutes: z.number().positive().default(DEFAULT_CUSTOMER_TOKENS.lifetimeMinutes).meta({ description: 'How long a customer token works after it was issued; POST /api/chats/{id}/token gives a fresh one. Default 1440 (24 hours).' }),
    readAfterCloseMinutes: z.number().min(0).default(DEFAULT_CUSTOMER_TOKENS.readAfterCloseMinutes).meta({ description: "How long after the customer's part of a chat ended (wrap-up or close) its token may still read the chat and its messages. Default 15." }),
  },
  { title: 'Customer tokens', description: 'The bearer tokens POST /api/chats gives customers.' },
).default(() => ({ ...DEFAULT_CUSTOMER_TOKENS }));

const prechatFieldSchema = strict(
  {
    variable: name('The context variable the answer sets; declared in the site\'s workstream with setBy including customer'),
    label: z.string().min(1).max(200).meta({ description: 'The question, as the page shows it.' }),
    type: oneOf('pre-chat field type', PRECHAT_TYPES).default('text').meta({ description: 'The input the page shows: text, email, phone, number or choice (with options).' }),
    required: z.boolean().default(false).meta({ description: 'The chat cannot start without an answer.' }),
    options: z.array(z.string().min(1).max(200)).min(1).max(50).optional().meta({ description: 'The answers to choose from (type choice only).' }),
  },
  { title: 'Pre-chat field', description: 'A question the hosted chat page asks before the chat starts; the answer becomes a context variable.' },
);

/** A Direct Line secret: long enough not to be guessed, and without whitespace (it travels in an Authorization header). */
const siteSecret = z.string().min(32, 'must be at least 32 characters').max(512).regex(/^\S+$/, 'must not contain whitespace');

const directLineSiteSchema = strict(
  {
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1 to 63 lowercase letters, digits or dashes, starting with a letter or digit (it is part of the page\'s URL)').meta({ description: 'The site\'s name, in the hosted page\'s URL (/chat/{name}).' }),
    workstream: z.string().min(1).meta({ description: 'The workstream the site\'s chats enter.' }),
    secret: siteSecret.optional().meta({ description: 'The Direct Line secret, written here: LOCAL DEVELOPMENT ONLY (a file is no place for a secret). Prefer secretFromEnv.' }),
    secretFromEnv: envName.optional().meta({ description: 'The environment variable (in Azure an app setting, e.g. a Key Vault reference) holding the site\'s Direct Line secret.' }),
    allowedOrigins: z
      .array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'must be an origin: scheme and host (and port), no path, e.g. https://www.contoso.com'))
      .max(50)
      .default([])
      .meta({ description: 'Origins whose pages may use the site\'s tokens from the browser (CORS). The hosted page, on Switchboard\'s own origin, needs none.' }),
    title: z.string().min(1).max(100).optional().meta({ description: 'Shown on the hosted page, and the name Switchboard\'s own notices carry. Defaults to the name.' }),
    anonymous: z.boolean().default(true).meta({ description: 'Whether anonymous visitors may start chats through the public token route (the hosted page uses it). false: only the site\'s backend, with the secret, hands out tokens.' }),
    prechat: z.array(prechatFieldSchema).max(20).default([]).meta({ description: 'Questions the hosted page asks before the chat starts.' }),
  },
  { title: 'Direct Line site', description: 'A site that embeds Web Chat or another Direct Line client; its chats enter one workstream.' },
).transform((site) => ({ ...site, title: site.title ?? site.name }));

/** Types a browser shows or opens without running anything of the file's own (no SVG, no HTML). */
const DEFAULT_UPLOAD_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'];
const defaultUploads = () => ({ maxBytes: 4 * 1024 * 1024, maxFiles: 5, contentTypes: [...DEFAULT_UPLOAD_TYPES] });
/** A message's files travel in one request, which the Functions host caps at 100 MB: they must fit with room to spare. */
const MAX_UPLOAD_REQUEST_BYTES = 96 * 1024 * 1024;

const uploadsSchema = strict(
  {
    maxBytes: positiveInteger().max(50 * 1024 * 1024).default(() => defaultUploads().maxBytes).meta({ description: 'The largest file a customer may attach, in bytes. Default 4194304 (4 MiB).' }),
    maxFiles: positiveInteger().max(10).default(() => defaultUploads().maxFiles).meta({ description: 'Files per message. Default 5.' }),
    contentTypes: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/, 'must be a media type in lower case without parameters, e.g. image/png'))
      .max(50)
      .default(() => defaultUploads().contentTypes)
      .meta({ description: 'The media types accepted. Default image/png, image/jpeg, image/gif, image/webp, application/pdf, text/plain. Images and PDF are checked against the bytes. Think twice before adding image/svg+xml or text/html: they can carry script.' }),
  },
  { title: 'Uploads', description: 'What a customer may attach to a Direct Line message; Switchboard keeps the files and serves them back by signed URL.' },
)
  .refine((uploads) => uploads.maxBytes * uploads.maxFiles <= MAX_UPLOAD_REQUEST_BYTES, `maxBytes × maxFiles must be at most ${MAX_UPLOAD_REQUEST_BYTES} bytes: a message's files come in one request, and the Functions host refuses requests over 100 MB`)
  .default(defaultUploads);

const directLineSchema = strict(
  {
    sites: z.array(directLineSiteSchema).max(100).default([]).meta({ description: 'The sites customers chat from; the first is the hosted page\'s default (/chat).' }),
    longPollSeconds: z.number().min(0).max(15).default(10).meta({ description: 'How long a GET of activities waits for something new before answering an empty set (0: answer at once). Under Web Chat\'s 20 s request timeout.' }),
    uploads: uploadsSchema,
  },
  { title: 'Direct Line', description: 'Direct Line 3.0 under /api/directline, so Microsoft\'s Web Chat connects unmodified.' },
).default(() => ({ sites: [], longPollSeconds: 10, uploads: defaultUploads() }));

const DEFAULT_AGENT_WORKSPACE = { offlineAfterSeconds: 150 };
const DEFAULT_INSIGHTS = { topicVariable: 'BotHandoffTopic', rawEventRetentionDays: 35 };

const agentWorkspaceSchema = strict(
  {
    offlineAfterSeconds: z.number().int().min(30).max(86_400).default(DEFAULT_AGENT_WORKSPACE.offlineAfterSeconds).meta({ description: "An agent none of whose workspace tabs was seen (an open stream or a poll) for this long is set Offline, so chats stop going to a closed browser. Default 150 (D365's 2.5 minutes)." }),
  },
  { title: 'Agent workspace', description: 'The agent workspace page (/agent) and its sign-in.' },
).default(() => ({ ...DEFAULT_AGENT_WORKSPACE }));

const insightsSchema = strict(
  {
    serviceLevelSeconds: z
      .array(z.literal([...SERVICE_LEVEL_CHOICES]))
      .min(1)
      .default([...DEFAULT_SERVICE_LEVEL_SECONDS])
      .transform((values) => [...new Set(values)].sort((a, b) => a - b))
      .meta({ description: `Service level (N s): the share of answered chats whose speed to answer was N seconds or less, for each N here. One of ${SERVICE_LEVEL_CHOICES.join(', ')} (Omnichannel's choices; the hourly aggregates count every one of them, so changing this never needs a recount). Default [20, 60].` }),
    topicVariable: z.string().min(1).default(DEFAULT_INSIGHTS.topicVariable).meta({ description: "The context variable whose value is a bot conversation's topic (bot insights by topic). Default BotHandoffTopic." }),
    rawEventRetentionDays: z.number().int().min(1).max(3650).default(DEFAULT_INSIGHTS.rawEventRetentionDays).meta({ description: 'How long raw insight events are kept (days); the hourly aggregates the insights read stay. Default 35. In Cosmos DB it is the insightEvents container\'s defaultTtl (infra/).' }),
  },
  { title: 'Insights', description: 'Bot insights and queue analytics (/insights, GET /api/insights).' },
).default(() => ({ ...DEFAULT_INSIGHTS, serviceLevelSeconds: [...DEFAULT_SERVICE_LEVEL_SECONDS] }));
export const DEFAULT_HEALTH = {
  cacheSeconds: 5,
  oldestWaitWarningSeconds: 60,
  busBacklogWarning: 1000,
  busOldestMessageWarningSeconds: 300,
  deadLetterWarning: 1,
  botFailureRateWarning: 0.5,
  botFailureMinimum: 3,
  botFailureWindowSeconds: 300,
};

const healthSchema = strict(
  {
    cacheSeconds: z.number().int().min(0).max(60).default(DEFAULT_HEALTH.cacheSeconds).meta({ description: 'How long one health report is reused, so frequent probes cost one set of reads. 0 to 60; default 5.' }),
    oldestWaitWarningSeconds: positiveInteger().default(DEFAULT_HEALTH.oldestWaitWarningSeconds).meta({ description: "A routing queue is degraded when its first waiting chat has waited this long. Default 60 (the service level's 60 s threshold)." }),
    busBacklogWarning: positiveInteger().default(DEFAULT_HEALTH.busBacklogWarning).meta({ description: 'A bus queue is degraded when this many messages are due on it (ready, locked or waiting for a retry). Default 1000.' }),
    busOldestMessageWarningSeconds: positiveInteger().default(DEFAULT_HEALTH.busOldestMessageWarningSeconds).meta({ description: 'A bus queue is degraded when its oldest due message has waited this long (the embedded bus; Service Bus does not report it). Default 300.' }),
    deadLetterWarning: positiveInteger().default(DEFAULT_HEALTH.deadLetterWarning).meta({ description: 'A bus queue is degraded when it holds this many dead-lettered messages. Default 1: any.' }),
    botFailureRateWarning: z.number().gt(0).max(1).default(DEFAULT_HEALTH.botFailureRateWarning).meta({ description: "A bot is degraded when this share of its deliveries failed within the window (and at least botFailureMinimum did). Above 0, at most 1; default 0.5." }),
    botFailureMinimum: positiveInteger().default(DEFAULT_HEALTH.botFailureMinimum).meta({ description: 'Fewer failed deliveries than this within the window never degrade a bot. Default 3.' }),
    botFailureWindowSeconds: z.number().int().min(10).max(86_400).default(DEFAULT_HEALTH.botFailureWindowSeconds).meta({ description: "The window a bot's deliveries are counted over, in seconds. Default 300." }),
  },
  { title: 'Health', description: 'The thresholds GET /api/health grades its checks against: past one, the check (and the report) is degraded, and npm start prints a warning line.' },
).default(() => ({ ...DEFAULT_HEALTH }));

export const configSchema = strict(
  {
    $schema: z.string().optional().meta({ description: 'The JSON Schema this file follows (for editors); ignored.' }),
    allowUnauthenticatedBots: z
      .boolean()
      .default(false)
      .meta({ description: 'Lets bots without an app id exchange messages unauthenticated. Local development only.' }),
    workstreams: z.array(workstreamSchema).min(1).meta({ description: 'At least one workstream.' }),
    queues: z.array(queueSchema).min(1).meta({ description: 'Every queue a rule or fallbackQueue names.' }),
    users: z.array(userSchema).default([]).meta({ description: 'Bots and human agents; queues list them by id.' }),
    botAuthentication: botAuthenticationSchema.optional(),
    limits: limitsSchema,
    customerTokens: customerTokensSchema,
    directLine: directLineSchema,
    agentWorkspace: agentWorkspaceSchema,
    insights: insightsSchema,
    health: healthSchema,
  },
  { title: 'Switchboard configuration', description: 'Workstreams, context variables, routing rules, queues and users.' },
);

/** The shape passed: the model, or every problem with its path. */
export type ShapeResult = { ok: true; config: Config } | { ok: false; problems: string[] };

export function checkShape(data: unknown): ShapeResult {
  const result = configSchema.safeParse(data, { reportInput: true, error: messageFor });
  if (!result.success) return { ok: false, problems: result.error.issues.flatMap((issue) => problemsOf(issue, [])) };
  const { $schema: _editorHint, ...config } = result.data;
  return { ok: true, config };
}

/** Messages for issues whose schema has no message of its own. */
function messageFor(issue: z.core.$ZodRawIssue): string | undefined {
  const { input } = issue;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return 'is required';
      // YAML's .inf and .nan are numbers that zod refuses as such: "expected a number, got a number" would say nothing.
      if (typeof input === 'number' && !Number.isFinite(input)) return `expected a finite number, got ${input}`;
      if (issue.expected === 'int') return `expected an integer, got ${typeof input === 'number' ? input : describeValue(input)}`;
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${describeValue(input)}`;
    case 'too_small':
      return boundMessage('at least', 'greater than', issue.origin, Number(issue.minimum), issue.inclusive ?? true, input);
    case 'too_big':
      return boundMessage('at most', 'less than', issue.origin, Number(issue.maximum), issue.inclusive ?? true, input);
    case 'invalid_format':
      return issue.format === 'url' ? `expected an http or https URL, got ${JSON.stringify(input)}` : undefined;
    default:
      return undefined;
  }
}

const TYPE_NAMES: Partial<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
};

function boundMessage(inclusiveWord: string, exclusiveWord: string, origin: string, bound: number, inclusive: boolean, input: unknown): string {
  const word = inclusive ? inclusiveWord : exclusiveWord;
  if (origin === 'string') return bound === 1 && inclusive && inclusiveWord === 'at least' ? 'must not be empty' : `must be ${word} ${bound} characters long`;
  if (origin === 'array') return `must list ${word} ${bound} ${bound === 1 ? 'item' : 'items'}, got ${Array.isArray(input) ? input.length : 0}`;
  return `must be ${word} ${bound}, got ${typeof input === 'number' ? input : describeValue(input)}`;
}

/** One line per problem. A `when` that fits no shape is judged by its discriminating key only. */
function problemsOf(issue: z.core.$ZodIssue, prefix: PropertyKey[]): string[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.message.startsWith(CONDITION_EXPECTED)) {
    const branch = conditionBranch(issue.input);
    const branchIssues = branch === undefined ? undefined : issue.errors[branch];
    if (branchIssues) return branchIssues.flatMap((inner) => problemsOf(inner, path));
  }
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${formatPath(path)}: unknown key "${key}", ${issue.message}`);
  return [`${formatPath(path)}: ${issue.message}`];
}

function conditionBranch(input: unknown): number | undefined {
  if (!isRecord(input)) return undefined;
  if ('operator' in input || 'value' in input) return 0;
  const index = CONDITION_KEYS.findIndex((key) => key in input);
  return index < 0 ? undefined : index;
}

/** `workstreams[0].rules[2].when.operator`; the file itself is `(top level)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : `${text ? '.' : ''}${String(key)}`;
  return text || '(top level)';
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
