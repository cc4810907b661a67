import type { ContextValue } from '../core/config';
import { ApiError } from '../http/apiError';
import { checkContext } from './customerChats';
import type { Services } from './services';

/** A dry run of a workstream's rules: which queue a chat with this context would go to, and why. */
export function explainRouting(s: Services, workstreamName: string, context: Record<string, ContextValue>) {
  const workstream = s.directory.workstream(workstreamName);
  if (!workstream) throw new ApiError('NotFound', `workstream "${workstreamName}" does not exist; the configuration has ${s.config.workstreams.map((w) => w.name).join(', ')}`);
  return s.directory.router(workstream.name).explain(checkContext(workstream, context));
}
