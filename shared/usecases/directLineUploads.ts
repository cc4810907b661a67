import { contentMismatch, mediaTypeOf } from '../core/fileTypes';
import { ApiError } from '../http/apiError';
import type { StoredFile } from '../ports/fileStore';
import { assertChatGoesOn, assertChatHasRoom } from './chatLimits';
import { conversationCommandMessage } from './commands';
import { conversationClaims, stateOf, type DirectLineCaller } from './directLine';
import { FileLinks, publicBaseUrl } from './fileLinks';
import type { Services } from './services';

/**
 * Direct Line uploads (faces.md A.3 row 7): a customer's message with files. Every file is checked before
 * anything is kept (count, size, type, and for images and PDF that the bytes are what they claim), so a
 * refusal stores nothing. The files go to the file store, and the message carries signed links to them:
 * echoed to the client, delivered to the bot, shown to the agent.
 *
 * limits.chat counts the message (its text and the attachments' links and names), not the files' bytes:
 * it bounds what the transcript stores and every read returns, and the files are kept elsewhere, bounded
 * per message by directLine.uploads and per chat by limits.chat.maxMessages.
 */

/** A file as the request carried it; `truncated` when it was cut at the size bound while being read. */
export interface UploadedFile {
  name: string;
  contentType: string;
  content: Buffer;
  truncated: boolean;
}

export interface Upload {
  /** The message's JSON (DLJS's `activity` part); absent when the body is one raw file. */
  activity?: unknown;
  files: UploadedFile[];
}

export interface UploadActivity {
  text?: string;
  channelData?: Record<string, unknown>;
}

/** POST /conversations/{id}/upload: the message and its files, as one customer message. */
export async function uploadActivity(s: Services, caller: DirectLineCaller, conversationId: string, activity: UploadActivity, files: UploadedFile[]): Promise<{ id: string }> {
  await conversationClaims(s, caller, conversationId);
  const accepted = files.map((file, index) => acceptedFile(s, file, index));
  const uploads = s.config.directLine.uploads;
  if (accepted.length === 0) throw new ApiError('InvalidBody', 'no file: an upload carries at least one file part (or is one file)');
  if (accepted.length > uploads.maxFiles) throw new ApiError('InvalidBody', `${accepted.length} files: a message may carry at most ${uploads.maxFiles} (directLine.uploads.maxFiles)`);
  const state = await stateOf(s, conversationId);
  assertChatGoesOn(state.status);

  const now = s.clock.now();
  const stored: StoredFile[] = accepted.map((file) => ({ id: s.ids.newId(), conversationId, name: file.name, contentType: file.mediaType, size: file.content.length, createdAt: now.toISOString() }));
  const base = publicBaseUrl(s);
  const attachments = stored.map((file) => ({ contentType: file.contentType, contentUrl: s.fileLinks.link(base, conversationId, file.id, now), name: file.name }));
  const text = activity.text ?? '';
  const extras = { attachments, ...(activity.channelData ? { channelData: activity.channelData } : {}) };
  assertChatHasRoom(s, state.size, { text, ...extras });

  await Promise.all(stored.map((file, i) => s.files.put(file, accepted[i]!.content)));
  const messageId = s.ids.newId();
  await s.bus.send([conversationCommandMessage({ type: 'customerMessage', conversationId, key: `customer:${conversationId}:${messageId}`, messageId, text, ...extras })]);
  return { id: messageId };
}

/** The file, if the store may keep it: within the size limit, of an accepted type, and its bytes of that type. */
function acceptedFile(s: Services, file: UploadedFile, index: number): { name: string; mediaType: string; content: Buffer } {
  const { maxBytes, contentTypes } = s.config.directLine.uploads;
  const name = cleanFileName(file.name, index);
  const label = `file ${index + 1} ("${name.slice(0, 100)}")`;
  if (file.truncated || file.content.length > maxBytes) {
    const size = file.truncated ? `more than ${maxBytes}` : String(file.content.length);
    throw new ApiError('PayloadTooLarge', `${label} is ${size} bytes; the limit is ${maxBytes} bytes per file (directLine.uploads.maxBytes)`);
  }
  if (file.content.length === 0) throw new ApiError('InvalidBody', `${label} is empty`);
  const mediaType = mediaTypeOf(file.contentType);
  if (!contentTypes.includes(mediaType)) {
    throw new ApiError('UnsupportedMediaType', `${label} is of type ${JSON.stringify(mediaType.slice(0, 100) || '(none)')}; accepted types: ${contentTypes.join(', ')} (directLine.uploads.contentTypes)`);
  }
  const mismatch = contentMismatch(mediaType, file.content);
  if (mismatch) throw new ApiError('UnsupportedMediaType', `${label} is declared ${mediaType}, but ${mismatch}`);
  return { name, mediaType, content: file.content };
}

/** The name as shown to agents and bots: its last path segment, without control characters, at most 200 characters. */
function cleanFileName(raw: string, index: number): string {
  // eslint-disable-next-line no-control-regex
  const name = (raw.split(/[/\\]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200);
  return name === '' || name === 'blob' ? `file-${index + 1}` : name;
}

/** GET /conversations/{id}/files/{fileId}?e=&s=: the file, when the link's signature holds; how long the browser may keep it. */
export async function readFile(s: Services, conversationId: string, fileId: string, expires: string | null, signature: string | null): Promise<{ file: StoredFile; content: Buffer; cacheSeconds: number }> {
  if (!FileLinks.isFileId(fileId)) throw new ApiError('NotFound', `conversation ${conversationId} has no file ${fileId.slice(0, 64)}`);
  const now = s.clock.now();
  const check = s.fileLinks.check(conversationId, fileId, expires, signature, now);
  if (check === 'invalid') throw new ApiError('Forbidden', 'the link is not signed by Switchboard (or was changed): read the transcript again for a working one');
  if (check === 'expired') throw new ApiError('Forbidden', `the link expired at ${new Date(Number(expires) * 1000).toISOString()}: read the transcript again for a fresh one`);
  const found = await s.files.get(fileId);
  if (!found || found.file.conversationId !== conversationId) throw new ApiError('NotFound', `conversation ${conversationId} has no file ${fileId}`);
  return { ...found, cacheSeconds: Math.floor(Number(expires) - now.getTime() / 1000) };
}
