import { contentMismatch, isInlineImage, mediaTypeOf } from '../../shared/core/fileTypes';

const bytes = (...values: (number | string)[]) => Buffer.concat(values.map((v) => (typeof v === 'string' ? Buffer.from(v, 'latin1') : Buffer.from([v]))));

describe('a file is what its bytes say', () => {
  test.each([
    ['image/png', bytes(0x89, 'PNG\r\n\x1a\n', 'IHDR')],
    ['image/jpeg', bytes(0xff, 0xd8, 0xff, 0xe0, 'JFIF')],
    ['image/gif', bytes('GIF89a', 1, 0)],
    ['image/gif', bytes('GIF87a', 1, 0)],
    ['image/webp', bytes('RIFF', 0x24, 0, 0, 0, 'WEBPVP8 ')],
    ['application/pdf', bytes('%PDF-1.4\n')],
    ['text/plain', Buffer.from('héllo\nwörld')],
  ])('%s with its signature passes', (type, content) => {
    expect(contentMismatch(type, content)).toBeUndefined();
  });

  test.each([
    ['image/png', bytes('MZ', 0x90, 0)],
    ['image/png', bytes(0x89, 'PN')],
    ['image/jpeg', bytes('<svg onload="alert(1)">')],
    ['image/webp', bytes('RIFF', 0, 0, 0, 0, 'WAVE')],
    ['application/pdf', bytes('<html>%PDF-')],
    ['text/plain', bytes('text', 0, 'more')],
    ['text/plain', bytes(0xc3, 0x28)],
  ])('%s without it is refused', (type, content) => {
    expect(contentMismatch(type, content)).toMatch(/its bytes are not/);
  });

  test('types without a signature an operator accepts are taken as declared', () => {
    expect(contentMismatch('application/zip', bytes('anything'))).toBeUndefined();
  });

  test('media types compare without parameters or case; only the signed image types show inline', () => {
    expect(mediaTypeOf(' Image/PNG; name="x"')).toBe('image/png');
    expect(['image/png', 'image/webp', 'image/svg+xml', 'application/pdf', 'text/html'].filter(isInlineImage)).toEqual(['image/png', 'image/webp']);
  });
});
