import { registerHttp } from '../shared/host/registry';
import { edge } from '../shared/http/edge';
import { WORKSPACE_CONTENT_SECURITY_POLICY } from '../shared/http/fileResponse';
import { servePage } from '../shared/http/pages';

/** The supervisor's view, `/supervisor`: a static page; the supervisor routes refuse anyone without the role. */
export const supervisorPage = edge((request) => servePage(request, 'supervisor/index.html', WORKSPACE_CONTENT_SECURITY_POLICY));

registerHttp({ name: 'supervisorPage', methods: ['GET', 'HEAD'], route: 'supervisor', surface: 'page', handler: supervisorPage });
