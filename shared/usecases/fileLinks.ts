import { createHmac, timingSafeEqual } from 'node:crypto';
import type { TranscriptMessage } from '../core/transcript';
import type { Services } from './services';

/**
 * Signed links to uploaded files: `<base>/api/directline/conversations/{id}/files/{fileId}?e=<expiry>&s=<signature>`. The link is
 * the credential, so an `<img src>` works on the customer's page and the agent's page without a bearer header,
 * and only for a while. The signature binds the file to its conversation and the expiry; its key is derived
 * from the host's token secret (a new secret voids every link, as it does tokens). Reads of a transcript sign
 * its links again (see refreshed), so an old transcript still shows its files.
 */
export const FILE_LINK_SECONDS = 3600;
/** Expiries are rounded up to this step: a link read twice in 5 minutes is the same URL, and the browser's cache serves it. */
const EXPIRY_STEP_SECONDS = 300;

/** Ids Switchboard gives files (UUIDs); anything else in the path is no file of ours. */
const FILE_ID = /^[A-Za-z0-9-]{1,64}$/;
const FILE_PATH = /\/api\/directline\/conversations\/[^/]+\/files\/([A-Za-z0-9-]{1,64})$/;

export type FileLinkCheck = 'valid' | 'expired' | 'invalid';

export class FileLinks {
  private readonly key: Buffer;

  constructor(secret: string, private readonly lifetimeInSeconds = FILE_LINK_SECONDS) {
    if (secret.length < 16) throw new Error('the token secret must be at least 16 characters');
    // A key of its own: no token's MAC can pass as a link's signature.
    this.key = createHmac('sha256', secret).update('directline-file/v1').digest();
  }

  /** A link to the file, valid for about lifetimeInSeconds from now; `publicBaseUrl` is the host's own (no trailing slash). */
  link(publicBaseUrl: string, conversationId: string, fileId: string, now: Date): string {
    const at = Math.floor(now.getTime() / 1000) + this.lifetimeInSeconds;
    const expires = String(Math.ceil(at / EXPIRY_STEP_SECONDS) * EXPIRY_STEP_SECONDS);
    return `${publicBaseUrl}/api/directline/conversations/${encodeURIComponent(conversationId)}/files/${fileId}?e=${expires}&s=${this.mac(conversationId, fileId, expires)}`;
  }

  /** Whether `e` and `s` sign this file of this conversation, and are still valid at `now`. Checked before any read of the store. */
  check(conversationId: string, fileId: string, expires: string | null, signature: string | null, now: Date): FileLinkCheck {
    if (expires === null || signature === null || !/^\d{1,12}$/.test(expires) || !/^[A-Za-z0-9_-]{43}$/.test(signature)) return 'invalid';
    const expected = Buffer.from(this.mac(conversationId, fileId, expires));
    if (!timingSafeEqual(expected, Buffer.from(signature))) return 'invalid';
    return now.getTime() < Number(expires) * 1000 ? 'valid' : 'expired';
  }

  /** The file id of a link to one of Switchboard's files (whatever its host, signature or expiry); undefined for any other URL. */
  static fileIdOf(contentUrl: unknown): string | undefined {
    if (typeof contentUrl !== 'string') return undefined;
    try {
      return FILE_PATH.exec(new URL(contentUrl).pathname)?.[1];
    } catch {
      return undefined;
    }
  }

  static isFileId(id: string): boolean {
    return FILE_ID.test(id);
  }

  private mac(conversationId: string, fileId: string, expires: string): string {
    return createHmac('sha256', this.key).update(`${conversationId}\n${fileId}\n${expires}`).digest('base64url');
  }
}

/** The host's public base URL (no trailing slash): the one bots reply to, without its /api/connector/. */
export function publicBaseUrl(s: Services): string {
  return s.settings.connectorBaseUrl.replace(/\/api\/connector\/?$/, '');
}

/**
 * The message with its file links signed again, for a reader now (a Direct Line client, an agent). Only a
 * customer's message holds Switchboard's files (an upload is the only way attachments reach one); a bot's
 * attachments are the bot's and stay as it sent them.
 */
export function withFreshFileLinks(s: Services, message: TranscriptMessage): TranscriptMessage {
  if (message.role !== 'customer' || !message.attachments?.length) return message;
  const now = s.clock.now();
  const attachments = message.attachments.map((attachment) => {
    const fileId = FileLinks.fileIdOf((attachment as { contentUrl?: unknown } | null)?.contentUrl);
    return fileId === undefined ? attachment : { ...(attachment as object), contentUrl: s.fileLinks.link(publicBaseUrl(s), message.conversationId, fileId, now) };
  });
  return { ...message, attachments };
}
