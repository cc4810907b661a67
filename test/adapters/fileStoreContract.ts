import type { FileStore, StoredFile } from '../../shared/ports/fileStore';

/**
 * The contract every FileStore passes: the embedded SQLite twin and the blob adapter (against Azurite) run
 * the same tests. Each `makeStore` call gives an empty store; `close` releases it.
 */
export type MakeFileStore = () => Promise<{ store: FileStore; close(): Promise<void> }>;

export function describeFileStoreContract(name: string, makeStore: MakeFileStore): void {
  describe(`FileStore contract: ${name}`, () => {
    let current: { store: FileStore; close(): Promise<void> } | undefined;
    const store = () => current!.store;
    beforeEach(async () => {
      current = await makeStore();
    });
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    it('gives back what was put: the bytes exactly, and what Switchboard knows of the file', async () => {
      const content = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255, 254]);
      await store().put(file('f-1'), content);
      const found = await store().get('f-1');
      expect(found?.file).toEqual(file('f-1'));
      expect(found?.content.equals(content)).toBe(true);
    });

    it('keeps a name of any script, spaces and quotes included, as given', async () => {
      const named = { ...file('f-2'), name: 'Rechnung März "final" 请.pdf' };
      await store().put(named, Buffer.from('%PDF-1.7'));
      expect((await store().get('f-2'))?.file.name).toBe(named.name);
    });

    it('answers undefined for a file it does not have', async () => {
      expect(await store().get('f-missing')).toBeUndefined();
    });

    it('keeps files apart, and a put of the same id replaces the file', async () => {
      await store().put(file('f-a'), Buffer.from('first'));
      await store().put({ ...file('f-b'), conversationId: 'c-2' }, Buffer.from('second'));
      await store().put({ ...file('f-a'), size: 7 }, Buffer.from('replace'));
      expect((await store().get('f-a'))?.content.toString()).toBe('replace');
      expect((await store().get('f-b'))?.file.conversationId).toBe('c-2');
    });

    it('keeps its own copy: changing the caller\'s buffer after the put changes nothing stored', async () => {
      const content = Buffer.from('original');
      await store().put(file('f-c'), content);
      content.write('CHANGED!');
      expect((await store().get('f-c'))?.content.toString()).toBe('original');
    });

    it('keeps a file of several megabytes whole', async () => {
      const content = Buffer.alloc(5 * 1024 * 1024 + 3, 7);
      content[content.length - 1] = 9;
      await store().put({ ...file('f-big'), size: content.length }, content);
      const found = await store().get('f-big');
      expect(found?.content.length).toBe(content.length);
      expect(found?.content.equals(content)).toBe(true);
    });
  });
}

function file(id: string): StoredFile {
  return { id, conversationId: 'c-1', name: 'photo.png', contentType: 'image/png', size: 9, createdAt: '2025-01-01T10:00:00.000Z' };
}
