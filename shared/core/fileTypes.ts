/**
 * What an uploaded file is, from its first bytes: a browser sniffs content, so a file may be served only
 * as a type its bytes agree with (an .exe called photo.png is refused). Pure.
 */

/** The first bytes of each type that has a signature; `undefined` in a signature matches any byte. */
const SIGNATURES: Record<string, (number | undefined)[][]> = {
  'image/png': [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  'image/jpeg': [[0xff, 0xd8, 0xff]],
  'image/gif': [bytesOf('GIF87a'), bytesOf('GIF89a')],
  'image/webp': [[...bytesOf('RIFF'), undefined, undefined, undefined, undefined, ...bytesOf('WEBP')]],
  'application/pdf': [bytesOf('%PDF-')],
};

/** The media type alone, in lower case: `Image/PNG; name=x` → `image/png`. */
export function mediaTypeOf(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/**
 * Why the bytes do not match the declared type, or undefined when they do. Types with a signature must start
 * with it; text/plain must be UTF-8 without NUL bytes; other types (an operator's choice) are taken as declared.
 */
export function contentMismatch(mediaType: string, content: Uint8Array): string | undefined {
  const signatures = SIGNATURES[mediaType];
  if (signatures) return signatures.some((signature) => startsWith(content, signature)) ? undefined : `its bytes are not ${mediaType}`;
  if (mediaType === 'text/plain') return isUtf8Text(content) ? undefined : 'its bytes are not UTF-8 text';
  return undefined;
}

/** Whether a browser may show the file inline: only images it renders without running anything (SVG is not one of them). */
export function isInlineImage(mediaType: string): boolean {
  return mediaType in SIGNATURES && mediaType.startsWith('image/');
}

function startsWith(content: Uint8Array, signature: (number | undefined)[]): boolean {
  return content.length >= signature.length && signature.every((byte, i) => byte === undefined || content[i] === byte);
}

function isUtf8Text(content: Uint8Array): boolean {
  if (content.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(content);
    return true;
  } catch {
    return false;
  }
}

function bytesOf(ascii: string): number[] {
  return [...ascii].map((c) => c.charCodeAt(0));
}
