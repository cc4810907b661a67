import type { DirectLineSite } from '../core/config';
import { ApiError } from '../http/apiError';
import { readActivities, readWatermark, staffTyping, type ActivitySet } from './directLine';
import type { DirectLineClaims } from './directLineTokens';
import type { Services } from './services';

/**
 * The Direct Line stream (faces.md A.5), whatever carries it: who may open it, and what to send next.
 * The stream reads the same transcript as the polling GET, from the URL's watermark on, so a client
 * that reconnects with its last watermark gets what it missed, once.
 */
export interface StreamGrant {
  site: DirectLineSite;
  claims: DirectLineClaims;
  /** Replay after this watermark; undefined: the whole chat (faces.md A.5: nothing sent before the socket opened is lost). */
  after: string | undefined;
}

/**
 * A stream URL opens its conversation's stream within a minute of being issued (POST /conversations
 * or GET /conversations/{id}), as Microsoft's service allows; after that the client asks for a new URL.
 * No Authorization header: the URL's `t` is the credential.
 */
export async function authorizeStream(s: Services, conversationId: string, t: string | null, watermark: string | null): Promise<StreamGrant> {
  const refresh = `ask GET /conversations/${conversationId} for a new stream URL`;
  if (!t) throw new ApiError('Forbidden', `the stream URL carries no t; ${refresh}`);
  const checked = s.directLineTokens.checkStream(t, s.clock.now());
  if (checked.kind === 'invalid') throw new ApiError('Forbidden', `t is not a stream token this service issued; ${refresh}`);
  if (checked.kind === 'expired') throw new ApiError('Forbidden', `the stream URL expired at ${checked.expiredAt.toISOString()} (a stream opens within a minute); ${refresh}`);
  if (checked.claims.conv !== conversationId) throw new ApiError('Forbidden', 'the stream token belongs to another conversation');
  const site = s.config.directLine.sites.find((candidate) => candidate.name === checked.claims.site);
  if (!site) throw new ApiError('Forbidden', `the stream token's site "${checked.claims.site}" is not configured any more`);
  const after = readWatermark(watermark);
  const conversation = (await s.conversations.get(conversationId))?.value;
  if (!conversation) throw new ApiError('NotFound', `conversation ${conversationId} does not exist`);
  // The stream token names the customer by id only; the name their own messages carry is the conversation's.
  return { site, claims: { ...checked.claims, name: conversation.customer.name }, after };
}

/** One client's place in the stream: what it has had, so each read sends only what is new. */
export class StreamCursor {
  private after: string | undefined;
  private endSent = false;
  private lastTypingId: string | undefined;

  constructor(private readonly s: Services, private readonly grant: StreamGrant) {
    this.after = grant.after;
  }

  get conversationId(): string {
    return this.grant.claims.conv;
  }

  /**
   * The next ActivitySet for the client, or undefined when nothing is new: the transcript after the
   * client's place, then a typing of the bot or agent it has not had. The end of the chat (which every
   * read of an ended chat repeats) and a typing go out once.
   */
  async read(): Promise<ActivitySet | undefined> {
    // An open stream is the customer's page being there (the reconnect window counts from it); a read comes at least every keep-alive.
    await this.s.sightings.markSeen(this.grant.claims.conv, this.s.clock.now().toISOString());
    const set = await readActivities(this.s, this.grant.site, this.grant.claims, this.after);
    this.after = set.watermark ?? this.after;
    const activities = set.activities.filter((activity) => activity.type !== 'endOfConversation' || !this.endSent);
    if (activities.some((activity) => activity.type === 'endOfConversation')) this.endSent = true;
    const typing = await staffTyping(this.s, this.grant.site, this.grant.claims);
    if (typing && typing.id !== this.lastTypingId) {
      this.lastTypingId = typing.id;
      activities.push(typing);
    }
    return activities.length > 0 ? { activities, watermark: this.after ?? null } : undefined;
  }
}
