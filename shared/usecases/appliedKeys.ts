import { createHash } from 'node:crypto';
import type { Conversation } from '../core/conversation';

/**
 * A conversation remembers the commands it applied (the last 200) by a digest of their keys, not the
 * keys: a key names the conversation and a message or activity id (`customer:<uuid>:<uuid>`, ~80
 * bytes), and the list of them made up most of a long chat's document, which every command reads and
 * writes (Cosmos DB charges writes by size). 128 bits of SHA-256 keep collisions out of reach.
 */
export function appliedDigest(key: string): string {
  return `#${createHash('sha256').update(key).digest('base64url').slice(0, 22)}`;
}

/** Whether the conversation applied the command; documents written before digests hold the keys themselves. */
export function wasApplied(conversation: Conversation, key: string): boolean {
  return conversation.applied.includes(appliedDigest(key)) || conversation.applied.includes(key);
}
