import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { readUpload, uploadActivityBody, uploadBodyLimit } from '../shared/http/directLineFiles';
import { callerOf } from '../shared/http/directLineEdge';
import { edge, json, param, validate } from '../shared/http/edge';
import { uploadActivity } from '../shared/usecases/directLineUploads';

export const directLineUpload = edge(async (request) => {
  const s = await services();
  const caller = callerOf(s, request);
  const upload = await readUpload(request, s.config.directLine.uploads);
  return json(200, await uploadActivity(s, caller, param(request, 'id'), validate(uploadActivityBody, upload.activity ?? {}), upload.files));
});

registerHttp({
  name: 'directLineUpload', methods: ['POST', 'OPTIONS'], route: 'directline/conversations/{id}/upload', handler: directLineUpload, rateLimit: 'customer', cors: 'directLine',
  maxBodyBytes: async () => uploadBodyLimit((await services()).config.directLine.uploads),
});
