import type { AgentUser } from '../core/config';
import type { Conversation } from '../core/conversation';
import { agentConversationRow, agentMessageOf } from '../core/liveEvents';
import type { TranscriptMessage } from '../core/transcript';
import { summaryOf } from '../core/transcriptSummary';
import { ApiError } from '../http/apiError';
import { readPage, type RawPageQuery } from '../http/pageQuery';
import { assertChatHasRoom } from './chatLimits';
import { awaitApplied } from './awaitApplied';
import { conversationCommandMessage, type ConversationCommand } from './commands';
import { withFreshFileLinks } from './fileLinks';
import type { Services } from './services';
import { freshTyping, signalTyping, typingEnded } from './typingSignals';

/**
 * The agent's side: every call names the agent in the path and proves it with the agent's token;
 * an agent may only touch its own chats.
 */
export interface AgentCredentials {
  token?: string;
  /** The Entra ID sign-in App Service authentication vouches for; undefined when the request carries none. */
  principal?: SignedInPrincipal;
}

/** The immutable claims of a sign-in: object id (`oid`) and tenant (`tid`). */
export interface SignedInPrincipal {
  objectId?: string;
  tenantId?: string;
}

export function authenticateAgent(s: Services, agentId: string, credentials: AgentCredentials): AgentUser {
  const caller = identifyAgent(s, credentials);
  if (caller.id !== agentId) {
    throw new ApiError('Forbidden', credentials.principal && s.settings.agentAuthentication.appServicePrincipal ? `signed in as agent ${caller.id}, not ${agentId}` : `the token belongs to agent ${caller.id}, not ${agentId}`);
  }
  return caller;
}

/**
 * Who the credentials name, whoever that is (routes that name no agent in their path: GET /api/me, the
 * supervisor's): 401 when they name nobody, 403 for a sign-in that is valid but no agent's.
 */
export function identifyAgent(s: Services, credentials: AgentCredentials): AgentUser {
  const { tokens, appServicePrincipal } = s.settings.agentAuthentication;
  if (appServicePrincipal && credentials.principal) return agentSignedIn(s, credentials.principal);
  if (tokens && credentials.token) {
    const caller = s.directory.agentByToken(credentials.token);
    if (!caller) throw new ApiError('Unauthorized', 'the bearer token is not a known agent token');
    return caller;
  }
  const ways = [appServicePrincipal ? 'sign in with Entra ID' : '', tokens ? 'send the agent token from the configuration as a bearer token' : ''].filter(Boolean);
  throw new ApiError('Unauthorized', ways.length ? `authentication is required: ${ways.join(', or ')}` : 'agent sign-in is not enabled on this host');
}

/** The agent whose object id signed in, from the agents' tenant: anyone else in (or visiting) the tenant is no agent. */
function agentSignedIn(s: Services, { objectId, tenantId }: SignedInPrincipal): AgentUser {
  if (!objectId || !tenantId) throw new ApiError('Forbidden', 'the sign-in carries no object id (oid) and tenant (tid) claims');
  const agentTenant = s.settings.agentAuthentication.tenantId;
  if (!agentTenant || tenantId.toLowerCase() !== agentTenant.toLowerCase()) {
    throw new ApiError('Forbidden', `signed in to tenant ${tenantId}, not the agents' tenant (SWITCHBOARD_AGENT_TENANT_ID)`);
  }
  const caller = s.directory.agentByPrincipal(objectId);
  if (!caller) throw new ApiError('Forbidden', `signed in as object id ${objectId}, who is no agent in the configuration (users[].principal)`);
  return caller;
}

async function ownConversation(s: Services, agent: AgentUser, conversationId: string): Promise<Conversation> {
  const found = await s.conversations.get(conversationId);
  if (!found) throw new ApiError('NotFound', `conversation ${conversationId} does not exist`);
  if (found.value.assignee?.kind !== 'agent' || found.value.assignee.id !== agent.id) {
    throw new ApiError('Forbidden', `conversation ${conversationId} is not assigned to agent ${agent.id}`);
  }
  return found.value;
}

function expectStatus(conversation: Conversation, status: Conversation['status'], action: string): void {
  if (conversation.status !== status) throw new ApiError('Conflict', `cannot ${action}: the conversation is ${conversation.status}, expected ${status}`);
}

/**
 * The agent's chats that are Active or in Wrap-up, with what the agent needs to pick them up: a summary
 * of each transcript (kept on the conversation, so no transcript is read), never the transcript itself.
 */
export async function listAgentConversations(s: Services, agent: AgentUser) {
  const held = await s.conversations.listByAssignee(agent.id);
  return held.map(({ value }) => agentConversationRow(value));
}

/**
 * One page of a chat's transcript for the agent holding it (Active or Wrap-up), agent-only entries included,
 * and `customerTypingAt`: when the customer last typed, while that counts (a few seconds), else null.
 */
export async function listAgentMessages(s: Services, agent: AgentUser, conversationId: string, page: RawPageQuery) {
  const conversation = await ownConversation(s, agent, conversationId);
  if (conversation.status !== 'Active' && conversation.status !== 'WrapUp') {
    throw new ApiError('Forbidden', `conversation ${conversationId} is ${conversation.status}: only the agent holding a chat (Active or Wrap-up) reads its transcript`);
  }
  const [{ messages, next }, typing] = await Promise.all([
    s.transcripts.listPage(conversationId, { ...readPage(page), audience: 'agent' }),
    freshTyping(s, conversationId, 'customer'),
  ]);
  return {
    status: conversation.status,
    messages: messages.map((stored) => staffMessageView(s, stored)),
    next,
    customerTypingAt: typing?.at ?? null,
  };
}

/** A transcript line as agents and supervisors read it: agent-only lines too, file links signed afresh. */
export function staffMessageView(s: Services, stored: TranscriptMessage) {
  return agentMessageOf(withFreshFileLinks(s, stored));
}

/** GET /api/me: who the credentials name, with what the pages need to know of them. */
export function describeAgent(s: Services, agent: AgentUser) {
  return { id: agent.id, name: agent.name, roles: [...(agent.roles ?? [])], capacity: agent.capacity, queues: s.directory.queuesOf(agent.id).map((q) => q.name) };
}

export async function sendAgentMessage(s: Services, agent: AgentUser, conversationId: string, input: { text: string; id?: string }): Promise<{ id: string }> {
  const conversation = await ownConversation(s, agent, conversationId);
  expectStatus(conversation, 'Active', 'send a message');
  assertChatHasRoom(s, summaryOf(conversation), { text: input.text });
  const messageId = input.id ?? s.ids.newId();
  await typingEnded(s, conversationId, 'staff');
  await s.bus.send([conversationCommandMessage({ type: 'agentMessage', conversationId, key: `agent:${conversationId}:${messageId}`, agentId: agent.id, messageId, text: input.text })]);
  return { id: messageId };
}

/** An internal note on a chat the agent holds (Active or Wrap-up): agents see it in the transcript, the customer and the bot never. */
export async function sendAgentNote(s: Services, agent: AgentUser, conversationId: string, input: { text: string; id?: string }): Promise<{ id: string }> {
  const conversation = await ownConversation(s, agent, conversationId);
  if (conversation.status !== 'Active' && conversation.status !== 'WrapUp') {
    throw new ApiError('Conflict', `cannot add a note: the conversation is ${conversation.status}, expected Active or WrapUp`);
  }
  assertChatHasRoom(s, summaryOf(conversation), { text: input.text });
  const messageId = input.id ?? s.ids.newId();
  await s.bus.send([conversationCommandMessage({ type: 'agentNote', conversationId, key: `note:${conversationId}:${messageId}`, agentId: agent.id, messageId, text: input.text })]);
  return { id: messageId };
}

/** The agent holding an Active chat is typing: the customer's Direct Line client shows it for a few seconds. */
export async function sendAgentTyping(s: Services, agent: AgentUser, conversationId: string): Promise<{ typingAt: string }> {
  const conversation = await ownConversation(s, agent, conversationId);
  expectStatus(conversation, 'Active', 'show typing');
  const { at } = await signalTyping(s, conversationId, 'staff', agent.id);
  return { typingAt: at };
}

export async function transferConversation(s: Services, agent: AgentUser, conversationId: string, queue: string) {
  if (!s.directory.queue(queue)) throw new ApiError('InvalidBody', `queue: unknown queue "${queue}", expected one of ${s.config.queues.map((q) => q.name).join(', ')}`);
  const conversation = await ownConversation(s, agent, conversationId);
  expectStatus(conversation, 'Active', 'transfer');
  return run(s, conversation, { type: 'agentTransfer', conversationId, key: `transfer:${conversationId}:${conversation.epoch}`, agentId: agent.id, queue });
}

export async function endConversation(s: Services, agent: AgentUser, conversationId: string) {
  const conversation = await ownConversation(s, agent, conversationId);
  if (conversation.status === 'WrapUp' || conversation.status === 'Closed') return { status: conversation.status };
  expectStatus(conversation, 'Active', 'end');
  return run(s, conversation, { type: 'agentEnd', conversationId, key: `agentEnd:${conversationId}:${conversation.epoch}`, agentId: agent.id });
}

export async function closeConversation(s: Services, agent: AgentUser, conversationId: string) {
  const conversation = await ownConversation(s, agent, conversationId);
  if (conversation.status === 'Closed') return { status: conversation.status };
  expectStatus(conversation, 'WrapUp', 'close');
  return run(s, conversation, { type: 'agentClose', conversationId, key: `agentClose:${conversationId}:${conversation.epoch}`, agentId: agent.id });
}

/** Sends the command and waits (bounded) to report the resulting status. */
async function run(s: Services, conversation: Conversation, command: ConversationCommand): Promise<{ status: string }> {
  await s.bus.send([conversationCommandMessage(command)]);
  const applied = await awaitApplied(s, conversation.id, command.key);
  return { status: applied?.status ?? conversation.status };
}
