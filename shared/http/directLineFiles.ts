import type { HttpResponseInit } from '@azure/functions';
import busboy from 'busboy';
import { z } from 'zod';
import type { DirectLineUploads } from '../core/config';
import { isInlineImage, mediaTypeOf } from '../core/fileTypes';
import type { UploadedFile, Upload } from '../usecases/directLineUploads';
import type { StoredFile } from '../ports/fileStore';
import { ApiError } from './apiError';
import { parseJsonText } from './edge';
import type { EdgeRequest } from './edgeRequest';

/**
 * The HTTP side of Direct Line uploads: reading `POST /conversations/{id}/upload` (faces.md A.3 row 7)
 * and writing a file back. What is allowed (sizes, counts, types) is the use case's to judge; here a body
 * is only taken apart, within bounds that keep a hostile one from costing more than the limits allow.
 */

/** The activity part and the multipart framing around the files. */
const ENVELOPE_BYTES = 1024 * 1024;
const MAX_ACTIVITY_BYTES = 64 * 1024;
const ACTIVITY_PART = 'activity';

/** The largest upload body worth reading: every file at its limit, and the envelope. */
export function uploadBodyLimit(uploads: DirectLineUploads): number {
  return uploads.maxFiles * uploads.maxBytes + ENVELOPE_BYTES;
}

/**
 * DLJS sends multipart/form-data: an `activity` part (JSON, as a Blob of type application/vnd.microsoft.activity)
 * and a `file` part per attachment. Any other body is one raw file, named by its Content-Disposition.
 */
export async function readUpload(request: EdgeRequest, uploads: DirectLineUploads): Promise<Upload> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  const limit = uploadBodyLimit(uploads);
  if (declared > limit) throw new ApiError('PayloadTooLarge', `the body is ${declared} bytes; a message may carry ${uploads.maxFiles} files of at most ${uploads.maxBytes} bytes each`);
  const body = Buffer.from(await request.arrayBuffer());
  if (body.length > limit) throw new ApiError('PayloadTooLarge', `the body is ${body.length} bytes; a message may carry ${uploads.maxFiles} files of at most ${uploads.maxBytes} bytes each`);
  const contentType = request.headers.get('content-type') ?? '';
  if (mediaTypeOf(contentType) === 'multipart/form-data') return readMultipart(contentType, body, uploads);
  if (body.length === 0) throw new ApiError('InvalidBody', 'the body is empty: send multipart/form-data with an activity and files, or one file');
  return { files: [{ name: fileNameOf(request.headers.get('content-disposition')), contentType, content: body, truncated: false }] };
}

function readMultipart(contentType: string, body: Buffer, uploads: DirectLineUploads): Promise<Upload> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // One more file than allowed (besides the activity), one byte more than allowed: enough to tell "too many", "too big".
      // Browsers write a file name's UTF-8 bytes as they are; busboy reads them as latin1 unless told.
      parser = busboy({ headers: { 'content-type': contentType }, defParamCharset: 'utf8', limits: { files: uploads.maxFiles + 2, fileSize: Math.max(uploads.maxBytes, MAX_ACTIVITY_BYTES) + 1, fields: 10, fieldSize: MAX_ACTIVITY_BYTES, parts: uploads.maxFiles + 12 } });
    } catch (error) {
      return reject(new ApiError('InvalidBody', `the multipart body cannot be read: ${(error as Error).message}`));
    }
    const files: UploadedFile[] = [];
    let activityText: string | undefined;
    let tooMany = false;
    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      let truncated = false;
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => (truncated = true));
      stream.on('close', () => {
        const content = Buffer.concat(chunks);
        if (field === ACTIVITY_PART) activityText = truncated ? '\u0000' : content.toString('utf8');
        else files.push({ name: info.filename ?? '', contentType: info.mimeType, content, truncated });
      });
    });
    parser.on('field', (field, value) => {
      if (field === ACTIVITY_PART) activityText = value;
    });
    parser.on('filesLimit', () => (tooMany = true));
    parser.on('partsLimit', () => (tooMany = true));
    parser.on('error', (error: Error) => reject(new ApiError('InvalidBody', `the multipart body cannot be read: ${error.message}`)));
    parser.on('close', () => {
      try {
        if (tooMany) throw new ApiError('InvalidBody', `too many files: a message may carry at most ${uploads.maxFiles}`);
        if (activityText === '\u0000') throw new ApiError('PayloadTooLarge', `the activity part is larger than ${MAX_ACTIVITY_BYTES} bytes`);
        resolve({ ...(activityText !== undefined ? { activity: parseJsonText(activityText, false) } : {}), files });
      } catch (error) {
        reject(error);
      }
    });
    parser.end(body);
  });
}

/** `attachment; filename="a.pdf"` or `filename*=UTF-8''%E2%82%AC.pdf` (RFC 6266); empty when none is given. */
function fileNameOf(disposition: string | null): string {
  if (!disposition) return '';
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition)?.[1];
  if (extended) {
    try {
      return decodeURIComponent(extended.trim());
    } catch {
      // Not percent-encoding: fall back to the plain filename.
    }
  }
  return /filename\s*=\s*"([^"]*)"/i.exec(disposition)?.[1] ?? /filename\s*=\s*([^;\s]+)/i.exec(disposition)?.[1] ?? '';
}

/**
 * A stored file, answered so that it can never act on Switchboard's origin: the stored type and nosniff
 * (the browser takes it as declared), a sandboxing CSP (an HTML or SVG file that slipped in runs no script,
 * opened directly or not), and a download for anything but the images a browser shows as pictures.
 */
export function fileResponse(file: StoredFile, content: Buffer, cacheSeconds: number): HttpResponseInit {
  const mediaType = mediaTypeOf(file.contentType);
  return {
    status: 200,
    body: content,
    headers: {
      'content-type': mediaType === 'text/plain' ? 'text/plain; charset=utf-8' : file.contentType,
      'content-length': String(content.length),
      'content-disposition': `${isInlineImage(mediaType) ? 'inline' : 'attachment'}; ${dispositionName(file.name)}`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'referrer-policy': 'no-referrer',
      // The link is the credential: kept by this browser alone, no longer than the link is valid.
      'cache-control': `private, max-age=${Math.max(0, cacheSeconds)}`,
    },
  };
}

/** The name for Content-Disposition: an ASCII fallback, and the exact name in RFC 5987 form. */
function dispositionName(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/** As on POST /activities (http/schemas.ts): Web Chat's channelData is a few short fields. */
const MAX_CHANNEL_DATA_BYTES = 16 * 1024;

/** The message part of an upload: what Web Chat puts there (its attachments list is rebuilt from the files). */
export const uploadActivityBody = z.looseObject({
  type: z.literal('message', { error: ({ input }) => `an upload is a message, got ${JSON.stringify(input)}` }).optional(),
  text: z.string().max(4000, 'at most 4000 characters').optional(),
  channelData: z.record(z.string(), z.unknown()).refine((value) => JSON.stringify(value).length <= MAX_CHANNEL_DATA_BYTES, `channelData is larger than ${MAX_CHANNEL_DATA_BYTES} bytes as JSON`).optional(),
});
