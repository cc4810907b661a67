import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openDatabase } from '../../shared/adapters/embedded/sqliteDatabase';
import { SqliteFileStore } from '../../shared/adapters/embedded/sqliteFileStore';
import type { Config } from '../../shared/core/config';
import type { FileStore, StoredFile } from '../../shared/ports/fileStore';
import { eventually, hostPerTest, RecordingBots, sampleConfig, type TestHost } from '../support/localHostHarness';

/**
 * Direct Line uploads end to end on the local host: DLJS (as Web Chat uses it) and plain multipart requests,
 * the echo, the bot's delivery, the agent's view, and the file fetched back by its signed link; every refusal
 * is a 4xx that names the file and the limit, and stores nothing.
 */

const SITE_SECRET = 'site-secret-for-the-upload-tests-0123456789';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('the rest of a tiny picture')]);
const PDF = Buffer.from('%PDF-1.7\nnot much of a document\n%%EOF\n');
/** A Windows executable's first bytes (MZ, then NULs): neither a picture nor text. */
const EXE = Buffer.concat([Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00]), Buffer.alloc(56, 0xff)]);

const harness = hostPerTest();
const { host } = harness;
let files: RecordingFiles;

/** The embedded file store, counting what it was given to keep. */
class RecordingFiles implements FileStore {
  readonly kept: StoredFile[] = [];
  private readonly store = new SqliteFileStore(openDatabase(':memory:'));

  async put(file: StoredFile, content: Uint8Array): Promise<void> {
    this.kept.push(file);
    await this.store.put(file, content);
  }

  get(id: string) {
    return this.store.get(id);
  }
}

/**
 * DLJS in Node: xhr2 stands in for the browser's XMLHttpRequest, but cannot send a FormData (a browser's
 * can): this one encodes it first, with its boundary, as the browser would.
 */
function dljs() {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const Xhr2 = require('xhr2');
  class FormDataXhr extends Xhr2 {
    send(body: unknown) {
      if (!(body instanceof FormData)) return super.send(body);
      const encoded = new Response(body);
      this.setRequestHeader('content-type', encoded.headers.get('content-type'));
      void encoded.arrayBuffer().then((bytes) => super.send(Buffer.from(bytes)));
    }
  }
  Object.assign(globalThis, { XMLHttpRequest: FormDataXhr, WebSocket: require('ws') });
  return require('botframework-directlinejs');
  /* eslint-enable @typescript-eslint/no-require-imports */
}

function start(options: Parameters<typeof harness.start>[0]): Promise<TestHost> {
  files = new RecordingFiles();
  return harness.start({ files, ...options });
}

function uploadConfig(change: (config: Config) => void = () => undefined): Config {
  return sampleConfig((config) => {
    config.directLine.sites[0]!.secret = SITE_SECRET;
    config.directLine.longPollSeconds = 0;
    change(config);
  });
}

interface DirectLineChat {
  conversationId: string;
  token: string;
}

/** A visitor's chat, started as Web Chat starts it: a token from the hosted page's route, then POST /conversations. */
async function startChat(h: TestHost = host()): Promise<DirectLineChat> {
  const issued = await h.api.call('POST', 'directline/sites/support/tokens', { body: {} });
  expect(issued.status).toBe(201);
  const started = await h.api.call('POST', 'directline/conversations', { token: issued.body.token, body: {} });
  expect(started.status).toBe(201);
  return { conversationId: started.body.conversationId, token: started.body.token };
}

interface Part {
  name: string;
  type: string;
  content: Buffer;
}

/** POST /upload as DLJS sends it: an `activity` part and one `file` part per attachment. */
async function upload(chat: DirectLineChat, files: Part[], activity: Record<string, unknown> = { type: 'message', text: 'see attached' }, token = chat.token) {
  const form = new FormData();
  form.append('activity', new Blob([JSON.stringify({ ...activity, attachments: files.map((f) => ({ contentType: f.type, name: f.name })) })], { type: 'application/vnd.microsoft.activity' }));
  for (const file of files) form.append('file', new Blob([file.content], { type: file.type }), file.name);
  const response = await fetch(`${host().baseUrl}/api/directline/conversations/${chat.conversationId}/upload?userId=dl_x`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() as any };
}

async function activities(chat: DirectLineChat, bearer = chat.token): Promise<any[]> {
  const res = await host().api.call('GET', `directline/conversations/${chat.conversationId}/activities`, { token: bearer });
  expect(res.status).toBe(200);
  return res.body.activities;
}

async function echoOf(chat: DirectLineChat, id: string): Promise<any> {
  return eventually(`the echo of ${id}`, async () => (await activities(chat)).find((a) => a.id === id));
}

describe('an upload becomes a customer message with links to its files', () => {
  test('multipart with two files: accepted, echoed with channelData, delivered to the bot, fetched back byte-identical', async () => {
    const bots = new RecordingBots();
    await start({ config: uploadConfig(), bots });
    const chat = await startChat();
    const res = await upload(chat, [{ name: 'photo.png', type: 'image/png', content: PNG }, { name: 'invoice €.pdf', type: 'application/pdf', content: PDF }], { type: 'message', text: 'see attached', channelData: { clientActivityID: 'client-1' } });
    expect(res.status).toBe(200);
    expect(typeof res.body.id).toBe('string');

    const echo = await echoOf(chat, res.body.id);
    expect(echo).toMatchObject({ type: 'message', text: 'see attached', from: { role: 'user' }, channelData: { clientActivityID: 'client-1' } });
    expect(echo.attachments.map((a: any) => [a.contentType, a.name])).toEqual([['image/png', 'photo.png'], ['application/pdf', 'invoice €.pdf']]);

    const picture = await fetch(echo.attachments[0].contentUrl);
    expect(picture.status).toBe(200);
    expect(Buffer.from(await picture.arrayBuffer())).toEqual(PNG);
    expect(picture.headers.get('content-type')).toBe('image/png');
    expect(picture.headers.get('x-content-type-options')).toBe('nosniff');
    expect(picture.headers.get('content-security-policy')).toContain('sandbox');
    expect(picture.headers.get('content-disposition')).toMatch(/^inline;/);

    const document = await fetch(echo.attachments[1].contentUrl);
    expect(Buffer.from(await document.arrayBuffer())).toEqual(PDF);
    expect(document.headers.get('content-disposition')).toBe(`attachment; filename="invoice _.pdf"; filename*=UTF-8''invoice%20%E2%82%AC.pdf`);

    const delivered = await eventually('the delivery to the bot', async () => bots.to(chat.conversationId).find((a) => a.type === 'message' && a.attachments?.length));
    expect(delivered.attachments!.map((a) => a.contentUrl)).toEqual(echo.attachments.map((a: any) => a.contentUrl));
    const byBot = await fetch(delivered.attachments![0]!.contentUrl!);
    expect(Buffer.from(await byBot.arrayBuffer())).toEqual(PNG);
  });

  test('the agent holding the chat sees the attachments, with working links', async () => {
    await start({ config: uploadConfig() });
    const chat = await startChat();
    const res = await upload(chat, [{ name: 'notes.txt', type: 'text/plain', content: Buffer.from('héllo, agent') }]);
    expect(res.status).toBe(200);
    await echoOf(chat, res.body.id);
    expect((await host().api.call('POST', `directline/conversations/${chat.conversationId}/activities`, { token: chat.token, body: { type: 'message', text: 'credit card' } })).status).toBe(200);
    const held = await eventually('an agent to hold the chat', async () => {
      const c = (await host().services.conversations.get(chat.conversationId))?.value;
      return c?.status === 'Active' && c.assignee?.kind === 'agent' ? c.assignee.id : undefined;
    });
    const page = await host().api.agent(held, 'GET', `/conversations/${chat.conversationId}/messages`);
    expect(page.status).toBe(200);
    const withFile = page.body.messages.find((m: any) => m.id === res.body.id);
    expect(withFile.attachments).toEqual([{ contentType: 'text/plain', name: 'notes.txt', contentUrl: expect.stringContaining(`/api/directline/conversations/${chat.conversationId}/files/`) }]);
    const text = await fetch(withFile.attachments[0].contentUrl);
    expect(text.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(text.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(await text.text()).toBe('héllo, agent');
  });

  test('a single raw file (Content-Type and Content-Disposition) is a message of its own', async () => {
    await start({ config: uploadConfig() });
    const chat = await startChat();
    const response = await fetch(`${host().baseUrl}/api/directline/conversations/${chat.conversationId}/upload`, {
      method: 'POST', body: PDF, headers: { authorization: `Bearer ${chat.token}`, 'content-type': 'application/pdf', 'content-disposition': 'attachment; filename="report.pdf"' },
    });
    expect(response.status).toBe(200);
    const echo = await echoOf(chat, ((await response.json()) as any).id);
    expect(echo.attachments).toEqual([expect.objectContaining({ contentType: 'application/pdf', name: 'report.pdf' })]);
  });
});

describe('botframework-directlinejs (as Web Chat sends a file)', () => {
  test('postActivity with an attachment goes through /upload; the echo carries the server-hosted copy', async () => {
    await start({ config: uploadConfig() });
    const issued = await host().api.call('POST', 'directline/sites/support/tokens', { body: {} });
    // The page's copy of the picture: DLJS reads each attachment's contentUrl (a blob: URL in a browser) before it posts.
    const page = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(PNG));
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    const pictureUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}/photo.png`;
    const seen: any[] = [];
    let directLine: any;
    let subscription: { unsubscribe(): void } | undefined;
    try {
      directLine = new (dljs().DirectLine)({ token: issued.body.token, domain: `${host().baseUrl}/api/directline`, webSocket: false, pollingInterval: 200 });
      subscription = directLine.activity$.subscribe((activity: any) => seen.push(activity));
      const id = await new Promise<string>((resolve, reject) => directLine.postActivity({
        type: 'message', from: { id: 'dl_visitor' }, text: 'my card', channelData: { clientActivityID: 'web-chat-1' },
        attachments: [{ contentType: 'image/png', contentUrl: pictureUrl, name: 'photo.png' }],
      }).subscribe(resolve, reject));
      const echo = await eventually('the echo through DLJS', async () => seen.find((a) => a.id === id));
      expect(echo).toMatchObject({ text: 'my card', channelData: { clientActivityID: 'web-chat-1' }, attachments: [{ contentType: 'image/png', name: 'photo.png' }] });
      expect(echo.attachments[0].contentUrl).toContain(`${host().baseUrl}/api/directline/conversations/`);
      expect(Buffer.from(await (await fetch(echo.attachments[0].contentUrl)).arrayBuffer())).toEqual(PNG);
    } finally {
      subscription?.unsubscribe();
      directLine?.end();
      await new Promise((resolve) => page.close(resolve));
    }
  });
});

describe('links are signed, for a while, and signed again on every read', () => {
  test('a changed signature, another conversation in the path, and an expired link are refused; a fresh read works again', async () => {
    let now = Date.parse('2025-01-01T10:00:00Z');
    const clock = { now: () => new Date(now) };
    await start({ config: uploadConfig(), clock });
    const chat = await startChat();
    const other = await startChat();
    const res = await upload(chat, [{ name: 'photo.png', type: 'image/png', content: PNG }]);
    const link = new URL((await echoOf(chat, res.body.id)).attachments[0].contentUrl);
    const expires = Number(link.searchParams.get('e'));
    // About an hour, rounded up to 5 minutes so that reads close together give the same URL.
    expect(expires * 1000 - now).toBeGreaterThanOrEqual(3600_000);
    expect(expires * 1000 - now).toBeLessThanOrEqual(3900_000);

    const forged = new URL(link);
    const signature = link.searchParams.get('s')!;
    // Its first character changed to another one (never the same signature by chance).
    forged.searchParams.set('s', `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`);
    const longer = new URL(link);
    longer.searchParams.set('e', String(expires + 86_400));
    const moved = new URL(link.href.replace(chat.conversationId, other.conversationId));
    const unsigned = new URL(link.origin + link.pathname);
    for (const url of [forged, longer, moved, unsigned]) {
      const refused = await fetch(url);
      expect([url.href, refused.status, ((await refused.json()) as any).error.code]).toEqual([url.href, 403, 'Forbidden']);
    }

    now = expires * 1000 + 1;
    const late = await fetch(link);
    expect(late.status).toBe(403);
    expect(((await late.json()) as any).error.message).toMatch(/expired/);

    // The customer's token has expired too (30 minutes): the site's backend reads the transcript, with its secret.
    const fresh = new URL((await activities(chat, SITE_SECRET)).find((a) => a.id === res.body.id).attachments[0].contentUrl);
    expect(Number(fresh.searchParams.get('e'))).toBeGreaterThan(expires);
    const again = await fetch(fresh);
    expect(again.status).toBe(200);
    expect(Buffer.from(await again.arrayBuffer())).toEqual(PNG);
  });
});

describe('refusals name the file and the limit, and store nothing', () => {
  const cases: [string, Part[], number, string, RegExp][] = [
    ['too big', [{ name: 'big.png', type: 'image/png', content: Buffer.concat([PNG, Buffer.alloc(2048)]) }], 413, 'PayloadTooLarge', /file 1 \("big\.png"\) is 2082 bytes; the limit is 1024 bytes per file/],
    ['far too big (cut while read)', [{ name: 'huge.png', type: 'image/png', content: Buffer.concat([PNG, Buffer.alloc(100 * 1024)]) }], 413, 'PayloadTooLarge', /file 1 \("huge\.png"\) is more than 1024 bytes; the limit is 1024 bytes per file/],
    ['too many', [1, 2, 3].map((i) => ({ name: `p${i}.png`, type: 'image/png', content: PNG })), 400, 'InvalidBody', /at most 2/],
    ['of a type not accepted', [{ name: 'drawing.svg', type: 'image/svg+xml', content: Buffer.from('<svg onload="alert(1)"/>') }], 415, 'UnsupportedMediaType', /file 1 \("drawing\.svg"\) is of type "image\/svg\+xml"; accepted types: image\/png/],
    ['an .exe called photo.png', [{ name: 'photo.png', type: 'image/png', content: EXE }], 415, 'UnsupportedMediaType', /file 1 \("photo\.png"\) is declared image\/png, but its bytes are not image\/png/],
    ['binary called text', [{ name: 'notes.txt', type: 'text/plain', content: EXE }], 415, 'UnsupportedMediaType', /not UTF-8 text/],
    ['one good file and one bad', [{ name: 'ok.png', type: 'image/png', content: PNG }, { name: 'bad.pdf', type: 'application/pdf', content: EXE }], 415, 'UnsupportedMediaType', /file 2 \("bad\.pdf"\)/],
  ];

  test.each(cases)('%s', async (_what, parts, status, code, message) => {
    await start({ config: uploadConfig((config) => Object.assign(config.directLine.uploads, { maxBytes: 1024, maxFiles: 2 })) });
    const chat = await startChat();
    const res = await upload(chat, parts);
    expect({ status: res.status, code: res.body.error.code }).toEqual({ status, code });
    expect(res.body.error.message).toMatch(message);
    expect(files.kept.length).toBe(0);
    expect(await host().services.transcripts.list(chat.conversationId)).not.toContainEqual(expect.objectContaining({ role: 'customer' }));
  });

  test("another conversation's token, no token and a forged one are refused before anything is read or kept", async () => {
    await start({ config: uploadConfig() });
    const chat = await startChat();
    const other = await startChat();
    const file = [{ name: 'photo.png', type: 'image/png', content: PNG }];
    expect((await upload(chat, file, undefined, other.token)).status).toBe(403);
    expect((await upload(chat, file, undefined, '')).status).toBe(401);
    expect((await upload(chat, file, undefined, `${chat.token.slice(0, -4)}AAAA`)).status).toBe(401);
    expect(files.kept.length).toBe(0);
  });

  test('a body past every file at its limit is refused by the local host before it is read (413)', async () => {
    await start({ config: uploadConfig((config) => Object.assign(config.directLine.uploads, { maxBytes: 1024, maxFiles: 1 })) });
    const chat = await startChat();
    const res = await upload(chat, [{ name: 'huge.png', type: 'image/png', content: Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024)]) }]);
    expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 413, code: 'PayloadTooLarge' });
    expect(files.kept.length).toBe(0);
  });
});

