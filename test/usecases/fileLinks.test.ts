import { FileLinks } from '../../shared/usecases/fileLinks';

const SECRET = 'a-token-secret-of-enough-length';
const BASE = 'https://switchboard.example';
const at = (iso: string) => new Date(iso);

function parts(link: string) {
  const url = new URL(link);
  return { path: url.pathname, e: url.searchParams.get('e'), s: url.searchParams.get('s') };
}

describe('signed file links', () => {
  const links = new FileLinks(SECRET);
  const now = at('2025-01-01T10:02:00Z');

  test('a link opens its own file of its own conversation until it expires, about an hour later', () => {
    const { path, e, s } = parts(links.link(BASE, 'conv-1', 'file-1', now));
    expect(path).toBe('/api/directline/conversations/conv-1/files/file-1');
    expect(Number(e) * 1000 - now.getTime()).toBeGreaterThanOrEqual(3600_000);
    expect(links.check('conv-1', 'file-1', e, s, now)).toBe('valid');
    expect(links.check('conv-1', 'file-1', e, s, new Date(Number(e) * 1000))).toBe('expired');
    expect(links.check('conv-2', 'file-1', e, s, now)).toBe('invalid');
    expect(links.check('conv-1', 'file-2', e, s, now)).toBe('invalid');
    expect(links.check('conv-1', 'file-1', String(Number(e) + 300), s, now)).toBe('invalid');
    expect(links.check('conv-1', 'file-1', e, null, now)).toBe('invalid');
    expect(links.check('conv-1', 'file-1', 'soon', s, now)).toBe('invalid');
  });

  test('reads a few minutes apart give the same URL (the browser caches it); a new secret voids every link', () => {
    expect(links.link(BASE, 'conv-1', 'file-1', now)).toBe(links.link(BASE, 'conv-1', 'file-1', at('2025-01-01T10:04:59Z')));
    const { e, s } = parts(links.link(BASE, 'conv-1', 'file-1', now));
    expect(new FileLinks(`${SECRET}-rotated`).check('conv-1', 'file-1', e, s, now)).toBe('invalid');
  });

  test("tells Switchboard's file links from any other URL, whatever host or signature they carry", () => {
    expect(FileLinks.fileIdOf(links.link(BASE, 'conv-1', 'abc-123', now))).toBe('abc-123');
    expect(FileLinks.fileIdOf('http://old-host:7071/api/directline/conversations/c/files/abc-123?e=1&s=x')).toBe('abc-123');
    expect(FileLinks.fileIdOf('https://cdn.example/picture.png')).toBeUndefined();
    expect(FileLinks.fileIdOf('not a url')).toBeUndefined();
    expect(FileLinks.fileIdOf(42)).toBeUndefined();
  });
});
