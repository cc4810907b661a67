import { RestError, type ContainerClient } from '@azure/storage-blob';
import type { FileStore, StoredFile } from '../../ports/fileStore';

/**
 * Uploaded files as block blobs of one container (in Azure, `files` of the Function App's storage account),
 * named by file id. What Switchboard knows of a file rides in the blob's metadata, so a read is one call.
 * Metadata values are ASCII HTTP headers: the name is percent-encoded.
 */
export class BlobFileStore implements FileStore {
  constructor(private readonly container: ContainerClient) {}

  async put(file: StoredFile, content: Uint8Array): Promise<void> {
    await this.container.getBlockBlobClient(file.id).uploadData(content, {
      blobHTTPHeaders: { blobContentType: file.contentType },
      metadata: { conversationid: file.conversationId, name: encodeURIComponent(file.name), createdat: file.createdAt },
    });
  }

  async get(id: string): Promise<{ file: StoredFile; content: Buffer } | undefined> {
    try {
      const blob = this.container.getBlobClient(id);
      const download = await blob.download();
      const content = await bufferOf(download.readableStreamBody);
      const metadata = download.metadata ?? {};
      return {
        file: {
          id,
          conversationId: metadata.conversationid ?? '',
          name: decodeURIComponent(metadata.name ?? ''),
          contentType: download.contentType ?? 'application/octet-stream',
          size: content.length,
          createdAt: metadata.createdat ?? download.lastModified?.toISOString() ?? '',
        },
        content,
      };
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }
}

async function bufferOf(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
