import { registerHttp } from '../shared/host/registry';
import { edge } from '../shared/http/edge';
import { servePage } from '../shared/http/pages';

/** The customer's chat page: `/chat` (the first site) and `/chat/{site}`; the page reads the site from its path. */
export const chatPage = edge((request) => servePage(request, 'chat/index.html'));

registerHttp({ name: 'chatPage', methods: ['GET', 'HEAD'], route: 'chat/{site?}', surface: 'page', handler: chatPage });
