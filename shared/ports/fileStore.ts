/** What Switchboard knows of a file a customer uploaded; the bytes travel beside it. */
export interface StoredFile {
  /** Switchboard's own id (random, URL-safe): the file's signed link names it. */
  id: string;
  conversationId: string;
  /** The file name the client gave, as given (shown to the agent and the bot, never used as a path). */
  name: string;
  /** The media type, checked against the bytes where it has a signature (core/fileTypes.ts). */
  contentType: string;
  size: number;
  createdAt: string;
}

/**
 * The files customers attach to messages, kept by Switchboard and served back by signed link. One write
 * per file (`put`, which replaces a file of the same id) and reads by id; the transcript holds the links.
 */
export interface FileStore {
  put(file: StoredFile, content: Uint8Array): Promise<void>;
  /** The file and its bytes; undefined when there is none of that id. */
  get(id: string): Promise<{ file: StoredFile; content: Buffer } | undefined>;
}

/** A host that keeps no files (an Azure host without a files container): every upload fails, and says why. */
export function noFileStore(why: string): FileStore {
  return {
    put: () => Promise.reject(new Error(`uploads are off: ${why}`)),
    get: async () => undefined,
  };
}
