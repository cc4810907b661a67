import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { fileResponse } from '../shared/http/directLineFiles';
import { edge, param } from '../shared/http/edge';
import { readFile } from '../shared/usecases/directLineUploads';

/**
 * An uploaded file, by its signed link: no bearer (an `<img src>` sends none), the link is the credential.
 * Limited per address as the other customer routes, since anyone holding a link may call it.
 */
export const directLineFileGet = edge(async (request) => {
  const s = await services();
  const { file, content, cacheSeconds } = await readFile(s, param(request, 'id'), param(request, 'fileId'), request.query.get('e'), request.query.get('s'));
  return fileResponse(file, content, cacheSeconds);
});

registerHttp({ name: 'directLineFileGet', methods: ['GET', 'OPTIONS'], route: 'directline/conversations/{id}/files/{fileId}', handler: directLineFileGet, rateLimit: 'customer', cors: 'directLine' });
