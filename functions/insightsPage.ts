import { registerHttp } from '../shared/host/registry';
import { edge } from '../shared/http/edge';
import { WORKSPACE_CONTENT_SECURITY_POLICY } from '../shared/http/fileResponse';
import { servePage } from '../shared/http/pages';

/** Bot insights and queue analytics, `/insights`: a static page; GET /api/insights refuses anyone without the supervisor role. */
export const insightsPage = edge((request) => servePage(request, 'insights/index.html', WORKSPACE_CONTENT_SECURITY_POLICY));

registerHttp({ name: 'insightsPage', methods: ['GET', 'HEAD'], route: 'insights', surface: 'page', handler: insightsPage });
