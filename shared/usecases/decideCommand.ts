import type { Activity } from '../core/activity';
import {
  conversationUpdateActivity, customerMessageActivity, type CustomerExtras, endOfConversationActivity, handoffStatusActivity, startConversationActivity,
} from '../core/botActivities';
import { BotActivityError, interpretBotActivity, type BotCommand } from '../core/botCommands';
import type { Context, Presence } from '../core/config';
import type { Conversation } from '../core/conversation';
import type { Placement } from '../core/placement';
import * as lifecycle from '../core/lifecycle';
import { redactUrls } from '../core/redactUrl';
import type { TranscriptMessage } from '../core/transcript';
import { chatLimitProblem, messageBytes, summarize, summaryOf, type EditedMessage, type MessageContent } from '../core/transcriptSummary';
import { decideWaitNotices, waitNoticeText, waitStateChanged } from '../core/waitNotices';
import { PoisonMessageError, type OutgoingMessage } from '../ports/messageBus';
import { conversationCommandMessage, dispatchMessage, type ConversationCommand } from './commands';
import type { CommandEffect } from './conversationCommand';
import { botChannelContext, botDeliveryMessage } from './botDeliveries';
import type { Services } from './services';
import { hasWaitExperience, waitSlotAfter, waitTickMessage } from './queueWait';

type Command<T extends ConversationCommand['type']> = Extract<ConversationCommand, { type: T }>;

/** What the customer reads when no queue can ever take their chat (Omnichannel's "Agent couldn't be assigned"). */
export const NOBODY_CAN_TAKE_THE_CHAT = "Sorry, nobody can take this chat right now, so it has been closed. Please try again later.";

/** Decides what a command does to the conversation. Reads, never writes. */
export async function decideCommand(s: Services, command: ConversationCommand, current: Conversation | undefined): Promise<CommandEffect> {
  if (command.type === 'start') return current ? unchanged(current) : start(s, command);
  if (!current) throw new PoisonMessageError(`conversation ${command.conversationId} does not exist (command ${command.type})`);
  const d = new Decision(s, command, current);
  try {
    await d.apply();
  } catch (error) {
    // A command the conversation no longer allows (it moved on meanwhile) is recorded as applied and does nothing.
    if (error instanceof lifecycle.TransitionError) return unchanged(current);
    throw error;
  }
  return d.effect();
}

function unchanged(conversation: Conversation): CommandEffect {
  return { next: conversation, transcript: [], edits: [], outgoing: [], events: [] };
}

/** The handoff transcript, as the agent reads it: one line per message activity. */
function transcriptText(activities: unknown[]): string {
  const lines = activities.flatMap((a) => {
    const activity = a as { type?: unknown; text?: unknown; from?: { role?: unknown; name?: unknown; id?: unknown } };
    if (activity.type !== 'message' || typeof activity.text !== 'string') return [];
    const who = activity.from?.role === 'bot' ? 'bot' : String(activity.from?.name ?? activity.from?.id ?? 'customer');
    return [`${who}: ${activity.text}`];
  });
  return `Transcript from the bot:\n${lines.join('\n')}`;
}

/** The parts of a customer's message besides its text (only those present): from a transcript message, or a command's. */
function customerExtras(from: CustomerExtras): CustomerExtras {
  const { type, name, value, attachments, channelData } = from;
  return Object.fromEntries(Object.entries({ type, name, value, attachments, channelData }).filter(([, v]) => v !== undefined));
}

/** "3 minutes", "90 seconds": how the reconnect window reads in the notice. */
function durationText(seconds: number): string {
  if (seconds % 60 !== 0) return `${seconds} seconds`;
  const minutes = seconds / 60;
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

function start(s: Services, command: Command<'start'>): CommandEffect {
  const workstream = s.directory.workstream(command.workstream);
  if (!workstream) throw new PoisonMessageError(`unknown workstream "${command.workstream}"`);
  const at = s.clock.now().toISOString();
  const placement = s.directory.route(workstream, command.context, []);
  const started = lifecycle.startConversation({ id: command.conversationId, workstream, customer: command.customer, context: command.context }, placement, at);
  const next = { ...started, ...(command.locale ? { locale: command.locale } : {}), ...(command.site ? { site: command.site } : {}) };
  const d = new Decision(s, command, next);
  d.track('ConversationStarted', { workstream: workstream.name, ...(command.site ? { site: command.site } : {}) });
  d.routed();
  d.armReconnectCheck(next.createdAt);
  return d.effect();
}

/** Accumulates the effect of one command on one conversation. */
class Decision {
  private next: Conversation;
  private readonly transcript: TranscriptMessage[] = [];
  private readonly edited: EditedMessage[] = [];
  private readonly outgoing: OutgoingMessage[] = [];
  private readonly events: CommandEffect['events'] = [];
  private readonly at: string;
  /** The conversation as the command found it. */
  private readonly before: Conversation;

  constructor(private readonly s: Services, private readonly command: ConversationCommand, current: Conversation) {
    this.next = current;
    this.before = current;
    this.at = s.clock.now().toISOString();
  }

  /** The effect, with the transcript summary (count, bytes, last message) brought up to date on the document. */
  effect(): CommandEffect {
    const touched = this.transcript.length > 0 || this.edited.length > 0;
    const next = touched ? { ...this.next, transcript: this.summary() } : this.next;
    return { next, transcript: this.transcript, edits: this.edited.map((e) => e.after), outgoing: this.outgoing, events: this.events };
  }

  private summary() {
    return summarize(summaryOf(this.next), this.transcript, this.edited);
  }

  /**
   * Whether the chat has room for one more message of this size (limits.chat). Checked here, in the
   * conversation's command order, so messages sent at once cannot pass the cap together; a message
   * without room is not appended, and the event says so. System messages are always kept.
   */
  private hasRoom(role: TranscriptMessage['role'], message: MessageContent, replacing?: TranscriptMessage): boolean {
    const adding = { messages: replacing ? 0 : 1, bytes: messageBytes(message) - (replacing ? messageBytes(replacing) : 0) };
    const problem = chatLimitProblem(this.summary(), this.s.config.limits.chat, adding);
    if (problem) this.track('ChatLimitReached', { role, reason: problem, workstream: this.next.workstream });
    return problem === undefined;
  }

  async apply(): Promise<void> {
    const c = this.command;
    switch (c.type) {
      case 'start': return;
      case 'customerMessage': return this.customerMessage(c);
      case 'customerEnd': return this.customerLeft('The customer left the chat.', 'customer');
      case 'customerAway': return this.customerAway();
      case 'botActivity': return this.botActivity(c);
      case 'botUnreachable': return this.botUnreachable(c);
      case 'assigned': return this.assigned(c);
      case 'agentMessage': return this.agentMessage(c);
      case 'agentNote': return this.agentNote(c);
      case 'agentTransfer': return this.agentTransfer(c);
      case 'agentEnd': return this.agentEnd(c);
      case 'agentClose': return this.agentClose(c);
      case 'supervisorTransfer': return this.supervisorTransfer(c);
      case 'supervisorClose': return this.supervisorClose(c);
      case 'autoClose': return this.autoClose(c);
      case 'reroute': return this.reroute(c);
      case 'waitUpdate': return this.waitUpdate(c);
      case 'offerAccept': return this.offerAccept(c);
      case 'offerReject': return this.offerDeclined(c.agentId, c.epoch, 'rejected');
      case 'offerExpire': return this.offerDeclined(c.agentId, c.epoch, 'expired');
      case 'releaseAgent': throw new PoisonMessageError('releaseAgent is handled by releaseAgentCapacity, not as a state change');
    }
  }

  private customerMessage(c: Command<'customerMessage'>): void {
    const before = this.next;
    const extras = customerExtras({ ...c, type: c.activityType });
    if (!this.hasRoom('customer', { text: c.text, ...extras })) return;
    this.next = lifecycle.recordCustomerMessage(before, this.at);
    this.say('customer', c.text, { id: c.messageId, authorId: before.customer.id, ordinal: this.next.customerMessageCount, ...extras });
    const session = before.botSession;
    if (before.assignee?.kind === 'bot' && before.assignmentAnnounced && session && session.forwardedCustomerMessages === before.customerMessageCount) {
      this.toBot(session.botId, (ctx, id) => customerMessageActivity(ctx, id, this.at, c.text, extras), c.messageId);
      this.next = lifecycle.recordForwardedToBot(this.next, before.customerMessageCount + 1, this.at);
    }
  }

  /** The customer's part of the chat ends: they left it, or their page was gone for the reconnect window. */
  private customerLeft(notice: string, endedBy: 'customer' | 'disconnected'): void {
    const before = this.next;
    this.next = lifecycle.endByCustomer(before, this.at);
    this.say('system', notice);
    this.leftAssignee(before, 'userCancelled', endedBy);
    if (this.next.status === 'WrapUp') this.scheduleAutoClose('WrapUp');
    this.closedEvent();
  }

  private async botActivity(c: Command<'botActivity'>): Promise<void> {
    const bot = c.botId;
    const before = this.next;
    if (before.assignee?.id !== bot || before.status !== 'Active') {
      throw new lifecycle.TransitionError('NotAssignee', `bot ${bot} no longer holds conversation ${before.id}`);
    }
    if (c.operation !== 'send') return this.editBotMessage(c);
    let command: BotCommand;
    try {
      command = interpretBotActivity(c.activity, 0);
    } catch (error) {
      // The connector lets a malformed handoff.initiate through: the handoff protocol answers it with a failed status.
      if (error instanceof BotActivityError && c.activity.name === 'handoff.initiate') {
        this.toBot(bot, (ctx, id) => handoffStatusActivity(ctx, id, this.at, 'failed', error.message));
        this.track('HandoffFailed', { bot, reason: error.message });
        return;
      }
      throw new PoisonMessageError(`bot activity ${c.activityId} cannot be read: ${(error as Error).message}`);
    }
    switch (command.kind) {
      // The connector records typing itself and never queues it.
      case 'typing':
      case 'ignore':
        return;
      case 'message':
        if (!this.hasRoom('bot', command)) return;
        this.say('bot', command.text, { id: c.activityId, authorId: bot, attachments: command.attachments, suggestedActions: command.suggestedActions });
        return;
      case 'end':
        if (command.text) this.say('bot', command.text, { id: c.activityId, authorId: bot });
        this.next = lifecycle.endByBot(before, bot, this.at);
        this.toBot(bot, (ctx, id) => endOfConversationActivity(ctx, id, this.at, 'completedSuccessfully'));
        this.botSessionEnded(before, bot, 'resolved', 'bot');
        this.closedEvent();
        return;
      case 'escalate':
      case 'handoff': {
        this.next = lifecycle.escalate(before, bot, command.context, command.summary, this.route, this.at, command.kind === 'handoff' ? 'handoff' : 'escalation');
        if (command.summary) this.say('bot', command.summary, { id: c.activityId, authorId: bot, visibility: 'agents' });
        if (command.kind === 'handoff') {
          if (command.transcript?.length) this.say('bot', transcriptText(command.transcript), { id: `${c.activityId}:transcript`, authorId: bot, visibility: 'agents' });
          this.next = { ...this.next, handoffBotId: bot };
          this.toBot(bot, (ctx, id) => handoffStatusActivity(ctx, id, this.at, 'accepted'));
        }
        this.toBot(bot, (ctx, id) => endOfConversationActivity(ctx, id, this.at, 'completedSuccessfully'));
        this.botSessionEnded(before, bot, 'escalated', 'bot');
        this.track('Escalated', { bot, rule: this.lastRouting()?.rule ?? undefined, queue: this.next.queue ?? undefined, topic: this.topic(), botContext: botContextDimension(command.context) });
        this.routed();
        return;
      }
    }
  }

  /** UpdateActivity / DeleteActivity: only the bot's own messages, in place. */
  private async editBotMessage(c: Command<'botActivity'>): Promise<void> {
    const message = await this.s.transcripts.get(this.next.id, c.activityId);
    if (!message || message.authorId !== c.botId || message.deletedAt) return;
    if (c.operation === 'delete') {
      this.edited.push({ before: message, after: { ...message, text: '', attachments: undefined, suggestedActions: undefined, deletedAt: this.at } });
      return;
    }
    const command = interpretBotActivity(c.activity, 0);
    if (command.kind !== 'message' || !this.hasRoom('bot', command, message)) return;
    this.edited.push({ before: message, after: { ...message, text: command.text, attachments: command.attachments, suggestedActions: command.suggestedActions, editedAt: this.at } });
  }

  /**
   * A bot that cannot be reached (or refuses us) must not strand the customer: the rules route the chat on.
   * Agents read plain words; the technical reason (redacted) is for telemetry only.
   */
  private botUnreachable(c: Command<'botUnreachable'>): void {
    const before = this.next;
    const context = { BotFailure: c.failure };
    this.next = lifecycle.escalate(before, c.botId, context, `The bot ${c.botId} could not be reached.`, this.route, this.at);
    this.say('system', `The bot ${c.botId} could not be reached; the chat was routed on.`, { visibility: 'agents' });
    this.botSessionEnded(before, c.botId, 'escalated', 'system', { failure: c.failure });
    this.track('BotUnreachable', { bot: c.botId, failure: c.failure, reason: redactUrls(c.reason), queue: this.next.queue ?? undefined });
    this.routed();
  }

  private async assigned(c: Command<'assigned'>): Promise<void> {
    const conv = this.next;
    if (conv.epoch !== c.epoch || conv.status !== 'Active' || conv.assignmentAnnounced || !conv.assignee) {
      throw new lifecycle.TransitionError('InvalidStatus', `assignment at epoch ${c.epoch} is no longer current`);
    }
    this.next = lifecycle.markAnnounced(conv, this.at);
    this.scheduleIdleClose();
    const assignee = conv.assignee;
    if (assignee.kind === 'agent') {
      this.say('system', `${this.agentName(assignee.id)} joined the chat.`);
      return;
    }
    const workstream = this.s.directory.workstream(conv.workstream);
    this.toBot(assignee.id, (ctx, id) => conversationUpdateActivity(ctx, id, this.at), `${c.key}:update`);
    const eventName = this.s.directory.bot(assignee.id)?.contextEventName ?? 'startConversation';
    this.toBot(assignee.id, (ctx, id) => startConversationActivity(ctx, id, this.at, conv.context, eventName), `${c.key}:start`);
    this.track('BotSessionStarted', { bot: assignee.id, workstream: workstream?.name, queue: conv.queue ?? undefined });
    const from = conv.botSession?.forwardedCustomerMessages ?? conv.customerMessageCount;
    if (from < conv.customerMessageCount) {
      const pending = (await this.s.transcripts.list(conv.id)).filter((m) => m.role === 'customer').slice(from);
      for (const message of pending) this.toBot(assignee.id, (ctx, id) => customerMessageActivity(ctx, id, this.at, message.text, customerExtras(message)), message.id);
      this.next = lifecycle.recordForwardedToBot(this.next, conv.customerMessageCount, this.at);
    }
  }

  private agentMessage(c: Command<'agentMessage'>): void {
    if (this.next.status !== 'Active' || this.next.assignee?.id !== c.agentId) {
      throw new lifecycle.TransitionError('NotAssignee', `agent ${c.agentId} does not hold an active conversation ${this.next.id}`);
    }
    if (!this.hasRoom('agent', { text: c.text })) return;
    this.say('agent', c.text, { id: c.messageId, authorId: c.agentId });
  }

  /** A note for agents (Active or in wrap-up): in the transcript as agent-only, so no customer reader and no bot sees it. */
  private agentNote(c: Command<'agentNote'>): void {
    const held = this.next.status === 'Active' || this.next.status === 'WrapUp';
    if (!held || this.next.assignee?.id !== c.agentId) {
      throw new lifecycle.TransitionError('NotAssignee', `agent ${c.agentId} does not hold conversation ${this.next.id} (Active or Wrap-up)`);
    }
    if (!this.hasRoom('agent', { text: c.text })) return;
    this.say('agent', c.text, { id: c.messageId, authorId: c.agentId, visibility: 'agents' });
  }

  private agentTransfer(c: Command<'agentTransfer'>): void {
    const before = this.next;
    const placement = this.s.directory.place(this.workstream(), { rule: null, queue: c.queue }, []);
    this.next = lifecycle.transfer(before, c.agentId, placement, this.at);
    this.say('system', `The chat was transferred to ${c.queue}.`);
    this.releaseAgent(c.agentId);
    this.track('Transferred', { agent: c.agentId, fromQueue: before.queue ?? undefined, queue: c.queue }, { activeMs: this.msSince(before.assignedAt) });
    this.routed();
  }

  private agentEnd(c: Command<'agentEnd'>): void {
    this.next = lifecycle.endByAgent(this.next, c.agentId, this.at);
    this.say('system', `${this.agentName(c.agentId)} ended the chat.`);
    this.track('WrapUpStarted', { agent: c.agentId, queue: this.next.queue ?? undefined, workstream: this.next.workstream }, { activeMs: this.msSince(this.before.assignedAt) });
    if (!this.wrapUpBlocksCapacity()) this.releaseAgent(c.agentId);
    this.scheduleAutoClose('WrapUp');
  }

  private agentClose(c: Command<'agentClose'>): void {
    this.next = lifecycle.closeByAgent(this.next, c.agentId, this.at);
    if (this.wrapUpBlocksCapacity()) this.releaseAgent(c.agentId);
    this.closedEvent();
  }

  /** As the agent's transfer, on a supervisor's word: the agent leaves, and the chat waits in the queue chosen. */
  private supervisorTransfer(c: Command<'supervisorTransfer'>): void {
    const before = this.next;
    const placement = this.s.directory.place(this.workstream(), { rule: null, queue: c.queue }, []);
    this.next = lifecycle.transferBySupervisor(before, c.agentId, c.supervisorId, c.queue, placement, this.at);
    this.say('system', `The chat was transferred to ${c.queue}.`);
    this.releaseAgent(c.agentId);
    // The agent's session ends here: its active time is the handle time it counts (core/kpis.ts), as for the agent's own transfer.
    this.track('Transferred', { agent: c.agentId, fromQueue: before.queue ?? undefined, queue: c.queue, supervisor: c.supervisorId }, { activeMs: this.msSince(before.assignedAt) });
    this.track('SupervisorAction', { action: 'transfer', supervisor: c.supervisorId, agent: c.agentId, queue: c.queue });
    this.routed();
  }

  /**
   * Force close: the customer is told, the agent's session ends (its units go back), a bot holding the chat hears
   * endOfConversation, a live offer is withdrawn (and its reservation given back).
   */
  private supervisorClose(c: Command<'supervisorClose'>): void {
    const before = this.next;
    this.next = lifecycle.forceClose(before, c.supervisorId, this.at);
    this.say('system', 'A supervisor ended the chat.');
    // No Bot Framework code says "a supervisor"; unknown leaves the reason to the statusReason.
    this.leftAssignee(before, 'unknown', 'supervisor');
    this.track('SupervisorAction', { action: 'close', supervisor: c.supervisorId, fromStatus: before.status, [before.assignee?.kind ?? 'none']: before.assignee?.id, queue: before.queue ?? undefined });
    this.closedEvent();
  }

  private autoClose(c: Command<'autoClose'>): void {
    if (c.status === 'Active') return this.idleClose(c.epoch);
    const before = this.next;
    this.next = lifecycle.autoClose(before, c.status, c.epoch, this.at);
    this.say('system', 'The chat was closed by the system.');
    if (before.status === 'WrapUp' && before.assignee?.kind === 'agent' && this.wrapUpBlocksCapacity()) this.releaseAgent(before.assignee.id);
    if (before.offer) this.releaseAgent(before.offer.agentId, { reservationAt: before.offer.offeredAt });
    this.closedEvent();
  }

  /**
   * The Active idle timer: closes the chat if nobody wrote for activeIdleMinutes; after a message it is
   * armed again for the new deadline. In the conversation's command order, so a message processed
   * before it keeps the chat open, and one after it finds the chat closed.
   */
  private idleClose(epoch: number): void {
    const before = this.next;
    const minutes = this.workstream().autoClose.activeIdleMinutes;
    if (minutes === undefined || before.status !== 'Active' || before.epoch !== epoch) {
      throw new lifecycle.TransitionError('InvalidStatus', `idle close at epoch ${epoch} is stale: the conversation is ${before.status} at epoch ${before.epoch}`);
    }
    if (this.at < lifecycle.idleDeadline(before, minutes)) {
      this.scheduleIdleClose();
      return;
    }
    this.next = lifecycle.autoClose(before, 'Active', epoch, this.at);
    this.say('system', `The chat was closed by the system after ${minutes} minutes without a message.`);
    // No Bot Framework code says "idle"; unknown leaves the reason to the statusReason.
    this.leftAssignee(before, 'unknown', 'system');
    this.closedEvent();
  }

  /**
   * D365's chat reconnect: a Direct Line customer whose page was not seen (no poll, stream or post) for
   * the workstream's reconnect window left the chat; one seen since is checked again when the window
   * after that sighting ends. A reload within the window finds the chat as it was, with its agent.
   */
  private async customerAway(): Promise<void> {
    const before = this.next;
    const windowSeconds = this.workstream().reconnect?.windowSeconds;
    if (!before.site || windowSeconds === undefined || before.status === 'Closed' || lifecycle.customerLeftAt(before) !== null) {
      throw new lifecycle.TransitionError('InvalidStatus', `conversation ${before.id} (${before.status}) has no customer to wait for`);
    }
    const seen = await this.s.sightings.lastSeen(before.id);
    const seenAt = seen !== undefined && seen > before.createdAt ? seen : before.createdAt;
    if (Date.parse(this.at) < Date.parse(seenAt) + windowSeconds * 1000) return this.armReconnectCheck(seenAt);
    this.track('CustomerDisconnected', { workstream: before.workstream, site: before.site, queue: before.queue ?? undefined }, { awayMs: Date.parse(this.at) - Date.parse(seenAt) });
    this.customerLeft(`The customer left the chat (their page was gone for more than ${durationText(windowSeconds)}).`, 'disconnected');
  }

  /** Arms the reconnect check for the end of the window that starts at `seenAt` (Direct Line chats only). */
  armReconnectCheck(seenAt: string): void {
    const windowSeconds = this.workstream().reconnect?.windowSeconds;
    if (!this.next.site || windowSeconds === undefined) return;
    const due = new Date(Date.parse(seenAt) + windowSeconds * 1000);
    const deadline = `customerAway:${this.next.id}:${due.toISOString()}`;
    const key = deadline === this.command.key ? `${deadline}:again` : deadline;
    this.outgoing.push(conversationCommandMessage({ type: 'customerAway', conversationId: this.next.id, key }, due));
  }

  /**
   * The queue's wait tick saw the chat at this place in line: tell the customer what the workstream's
   * waitExperience says is due. Changes nothing (and is not written) when nothing changed, and never
   * touches updatedAt or the epoch: the sweep and the dispatcher read those.
   */
  private waitUpdate(c: Command<'waitUpdate'>): void {
    const conv = this.next;
    const settings = this.workstream().waitExperience;
    if (!settings || !hasWaitExperience(this.workstream())) return;
    if (conv.status !== 'Open' || conv.offer || conv.queue !== c.queue) return;
    const seen = { queue: c.queue, enqueuedAt: conv.enqueuedAt, position: c.position, averageWaitSeconds: c.averageWaitSeconds, at: c.at };
    const { state, notices } = decideWaitNotices(conv.wait, seen, settings);
    if (!waitStateChanged(conv.wait, state) && notices.length === 0) return;
    this.next = { ...conv, wait: state };
    for (const notice of notices) this.say('system', waitNoticeText(notice, settings.messages, conv.locale, c.queue));
  }

  /** The agent accepted the offer in time: the chat is theirs, and the customer is told at once. */
  private offerAccept(c: Command<'offerAccept'>): void {
    const before = this.next;
    this.next = lifecycle.markAnnounced(lifecycle.acceptOffer(before, c.agentId, this.at), this.at);
    this.scheduleIdleClose();
    this.say('system', `${this.agentName(c.agentId)} joined the chat.`);
    const queue = this.next.queue ?? undefined;
    this.track('OfferAccepted', { agent: c.agentId, queue, workstream: before.workstream }, { responseMs: this.msSince(before.offer?.offeredAt ?? null) });
    // The wait KPIs count from entering the queue to the accept.
    this.track('Assigned', { queue, workstream: before.workstream, agent: c.agentId, ...(before.firstAgentAssignedAt === null ? { firstAgent: 'true' } : {}) }, { waitMs: this.msSince(before.enqueuedAt) });
  }

  /**
   * The agent rejected the offer or let it expire: its units go back (with the workstream's onMissed
   * presence for a missed one), and the chat, still in its place in the queue, is dispatched again.
   */
  private offerDeclined(agentId: string, epoch: number, outcome: 'rejected' | 'expired'): void {
    const before = this.next;
    this.next = lifecycle.declineOffer(before, agentId, epoch, outcome, this.at);
    const offered = before.offer;
    const onMissed = outcome === 'expired' ? this.workstream().offers?.onMissed : undefined;
    this.releaseAgent(agentId, { reservationAt: offered?.offeredAt, setPresence: onMissed?.setPresence });
    const queue = this.next.queue ?? '';
    this.outgoing.push(dispatchMessage(queue, `dispatch:${this.next.id}:${this.next.epoch}`, this.next.id));
    // The Open auto-close was armed at an older epoch: armed again, still counted from entering the queue.
    this.scheduleAutoClose('Open', this.next, this.next.enqueuedAt ?? this.at);
    this.track(outcome === 'rejected' ? 'OfferRejected' : 'OfferExpired', {
      agent: agentId, queue, workstream: before.workstream, ...(onMissed ? { setPresence: onMissed.setPresence } : {}),
    }, { responseMs: this.msSince(offered?.offeredAt ?? null), declines: this.next.declines?.[agentId] ?? 0 });
  }

  private agentName(agentId: string): string {
    return this.s.directory.agent(agentId)?.name ?? agentId;
  }

  /** A waiting chat the configuration no longer lets anyone take moves on, as a new routing would place it. */
  private reroute(c: Command<'reroute'>): void {
    const placement = this.s.directory.place(this.workstream(), { rule: null, queue: c.queue }, this.next.excludedBots);
    if (placement.kind === 'queue' && placement.queue === c.queue) return;
    this.next = lifecycle.reroute(this.next, c.queue, c.epoch, placement, this.at);
    this.routed();
  }

  /**
   * The chat left whoever held it: a bot hears endOfConversation (its session ends with `botOutcome`), an agent
   * gets its capacity back.
   */
  private leftAssignee(before: Conversation, botCode: string, endedBy: BotSessionEnder): void {
    if (before.assignee?.kind === 'bot' && before.status === 'Active') {
      const bot = before.assignee.id;
      this.toBot(bot, (ctx, id) => endOfConversationActivity(ctx, id, this.at, botCode));
      this.botSessionEnded(before, bot, endedBy === 'supervisor' ? 'forceClosed' : 'abandoned', endedBy);
    }
    if (before.assignee?.kind === 'agent' && !lifecycle.holdsAgentCapacity(this.next, this.workstream())) this.releaseAgent(before.assignee.id);
    if (before.offer) this.releaseAgent(before.offer.agentId, { reservationAt: before.offer.offeredAt });
  }

  /** The rules (or an agent) chose a queue for the chat, in this conversation's workstream, as placed. */
  private readonly route = (context: Context, excludedBots: readonly string[]): Placement => this.s.directory.route(this.workstream(), context, excludedBots);

  /** The routing this command just did, from the history it wrote. */
  private lastRouting() {
    const entry = this.next.history.at(-1)?.type === 'status' ? this.next.history.at(-2) : this.next.history.at(-1);
    return entry?.type === 'routed' || entry?.type === 'unroutable' ? entry : undefined;
  }

  /**
   * The chat was routed: it entered a queue (ask that queue's dispatcher to assign it, and arm the Open
   * auto-close), or no queue could ever take it and it was closed (the customer is told).
   */
  routed(): void {
    const conv = this.next;
    const entry = this.lastRouting();
    if (entry?.type === 'unroutable') {
      this.say('system', NOBODY_CAN_TAKE_THE_CHAT);
      this.track('Unroutable', { workstream: conv.workstream, rule: entry.rule ?? undefined, queue: entry.queue, reason: entry.reason, why: entry.why });
      this.closedEvent();
      return;
    }
    const queue = conv.queue ?? '';
    this.outgoing.push(dispatchMessage(queue, `dispatch:${conv.id}:${conv.epoch}`, conv.id));
    // The customer's wait is told by the queue's wait ticks (queueWait.ts): make sure they run.
    if (hasWaitExperience(this.workstream())) this.outgoing.push(waitTickMessage(queue, waitSlotAfter(new Date(this.at))));
    this.scheduleAutoClose('Open', conv);
    this.track('Routed', {
      workstream: conv.workstream, rule: entry?.rule ?? undefined, queue, reason: entry?.reason,
      ...(entry?.redirectedFrom ? { redirectedFrom: entry.redirectedFrom, redirectReason: entry.why } : {}),
    });
  }

  private scheduleAutoClose(status: 'Open' | 'WrapUp', conv: Conversation = this.next, from: string = this.at): void {
    const workstream = this.workstream();
    const minutes = status === 'Open' ? workstream.autoClose.openMinutes : workstream.autoClose.wrapUpMinutes;
    const due = new Date(Date.parse(from) + minutes * 60_000);
    const key = `autoClose:${conv.id}:${status}:${conv.epoch}`;
    this.outgoing.push(conversationCommandMessage({ type: 'autoClose', conversationId: conv.id, key, status, epoch: conv.epoch }, due));
  }

  /** Arms the Active idle close for the chat's current deadline (one timer per deadline: the key names it). */
  private scheduleIdleClose(): void {
    const conv = this.next;
    const minutes = this.workstream().autoClose.activeIdleMinutes;
    if (minutes === undefined) return;
    const due = lifecycle.idleDeadline(conv, minutes);
    const deadline = `autoClose:${conv.id}:Active:${conv.epoch}:${due}`;
    // A timer delivered a little early (another instance's clock) arms the same deadline again: under a new id, or the bus would drop it.
    const key = deadline === this.command.key ? `${deadline}:again` : deadline;
    this.outgoing.push(conversationCommandMessage({ type: 'autoClose', conversationId: conv.id, key, status: 'Active', epoch: conv.epoch }, new Date(due)));
  }

  private releaseAgent(agentId: string, options: { reservationAt?: string; setPresence?: Presence } = {}): void {
    const key = `release:${this.next.id}:${agentId}:${this.next.epoch}`;
    const only = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.outgoing.push(conversationCommandMessage({ type: 'releaseAgent', conversationId: this.next.id, key, agentId, ...only }));
  }

  private toBot(botId: string, build: (ctx: ReturnType<typeof botChannelContext>, id: string) => Activity, idHint?: string): void {
    const id = idHint ? `${this.next.id}:${idHint}` : `${this.command.key}:${this.outgoing.length}`;
    this.outgoing.push(botDeliveryMessage(this.next.id, botId, build(botChannelContext(this.s, this.next, botId), id)));
  }

  private say(role: TranscriptMessage['role'], text: string, extra: Partial<TranscriptMessage> = {}): void {
    this.transcript.push({
      id: extra.id ?? `${this.command.key}:${this.transcript.length}`,
      conversationId: this.next.id,
      role,
      text,
      timestamp: this.at,
      visibility: 'everyone',
      ...extra,
    });
  }

  /**
   * A bot's part of the chat ended (core/botKpis.ts counts it): who ended it, the rule that placed the chat
   * with the bot, and the topic the chat had by then.
   */
  private botSessionEnded(before: Conversation, bot: string, outcome: 'resolved' | 'escalated' | 'abandoned' | 'forceClosed', endedBy: BotSessionEnder | 'bot', extra: { failure?: string } = {}): void {
    const placedBy = [...before.history].reverse().find((entry) => entry.type === 'routed');
    this.track('BotSessionEnded', {
      bot, outcome, endedBy, workstream: before.workstream, queue: before.queue ?? undefined,
      rule: placedBy?.type === 'routed' ? placedBy.rule ?? undefined : undefined, topic: this.topic(), ...extra,
    }, { botTimeMs: this.msSince(before.assignedAt) });
  }

  /** The chat's topic for the insights: the value of the configured topic variable, as text. */
  private topic(): string | undefined {
    const value = this.next.context[this.s.config.insights.topicVariable];
    return value === undefined || value === null ? undefined : String(value).slice(0, MAX_DIMENSION_LENGTH);
  }

  track(name: string, properties: CommandEffect['events'][number]['properties'], measurements?: Record<string, number>): void {
    this.events.push({ name, properties, measurements });
  }

  private closedEvent(): void {
    if (this.next.status !== 'Closed') return;
    const c = this.next;
    const { assignee } = this.before;
    this.track('ConversationClosed', {
      workstream: c.workstream,
      queue: c.queue ?? undefined,
      statusReason: c.statusReason,
      assigneeKind: assignee?.kind,
      [assignee?.kind ?? 'none']: assignee?.id,
      escalated: String(c.escalatedAt !== null),
      accepted: String(c.firstAgentAssignedAt !== null),
    }, {
      durationMs: this.msSince(c.createdAt),
      // Closed while waiting (an abandon, if after escalation): how long it waited.
      ...(this.before.status === 'Open' ? { waitMs: this.msSince(this.before.enqueuedAt) } : {}),
      // An agent's session closed straight from Active, or its wrap-up ended: the handle-time KPI (core/kpis.ts).
      ...(this.before.status === 'Active' && assignee?.kind === 'agent' ? { activeMs: this.msSince(this.before.assignedAt) } : {}),
      ...(this.before.status === 'WrapUp' && assignee?.kind === 'agent' ? { wrapUpMs: this.msSince(this.before.wrapUpAt) } : {}),
    });
    const handoffBot = this.next.handoffBotId;
    if (handoffBot) this.toBot(handoffBot, (ctx, id) => handoffStatusActivity(ctx, id, this.at, 'completed'));
  }

  private workstream() {
    const workstream = this.s.directory.workstream(this.next.workstream);
    if (!workstream) throw new PoisonMessageError(`conversation ${this.next.id} names unknown workstream "${this.next.workstream}"`);
    return workstream;
  }

  private wrapUpBlocksCapacity(): boolean {
    return this.workstream().wrapUpBlocksCapacity;
  }

  private msSince(iso: string | null): number {
    return iso ? Date.parse(this.at) - Date.parse(iso) : 0;
  }
}

/** Who ended a bot's session when the bot did not: the customer, their page going away, the system (idle close, an unreachable bot), a supervisor. */
type BotSessionEnder = 'customer' | 'disconnected' | 'system' | 'supervisor';

/** Dimension values are kept short: a topic or context value is a label, not a document. */
const MAX_DIMENSION_LENGTH = 100;
const MAX_BOT_CONTEXT_VARIABLES = 10;

/**
 * The context values a bot set when it escalated, as the `botContext` dimension (JSON of variable → value):
 * the insights' top escalation reasons count them per "variable = value".
 */
export function botContextDimension(context: Context | undefined): string | undefined {
  const entries = Object.entries(context ?? {})
    .filter(([, value]) => value !== null && value !== undefined)
    .slice(0, MAX_BOT_CONTEXT_VARIABLES)
    .map(([name, value]) => [name, String(value).slice(0, MAX_DIMENSION_LENGTH)]);
  return entries.length > 0 ? JSON.stringify(Object.fromEntries(entries)) : undefined;
}
