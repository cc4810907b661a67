import { registerHttp } from '../shared/host/registry';
import { edge } from '../shared/http/edge';
import { WORKSPACE_CONTENT_SECURITY_POLICY } from '../shared/http/fileResponse';
import { servePage } from '../shared/http/pages';

/** The agent workspace, `/agent`: a static page; who may do what is the agent API's business (docs/workspace-api.md). */
export const agentPage = edge((request) => servePage(request, 'agent/index.html', WORKSPACE_CONTENT_SECURITY_POLICY));

registerHttp({ name: 'agentPage', methods: ['GET', 'HEAD'], route: 'agent', surface: 'page', handler: agentPage });
