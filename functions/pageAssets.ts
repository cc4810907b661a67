import { registerHttp } from '../shared/host/registry';
import { edge } from '../shared/http/edge';
import { serveAsset } from '../shared/http/pages';

/** Every page's scripts and styles, Web Chat's bundle among them: `/assets/<name>-<hash>.<ext>`. */
export const pageAssets = edge((request) => serveAsset(request, request.params.path ?? ''));

registerHttp({ name: 'pageAssets', methods: ['GET', 'HEAD'], route: 'assets/{*path}', surface: 'page', handler: pageAssets });
