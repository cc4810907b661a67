import type { InvocationContext } from '@azure/functions';
import { registerTimer } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { sweep as runSweep } from '../shared/usecases/sweep';

/** Every minute: repair what a crash or a lost message left behind. */
export async function sweep(_timer: unknown, context: InvocationContext): Promise<void> {
  const report = await runSweep(await services());
  context.log('sweep', report);
}

registerTimer({ name: 'sweep', schedule: '0 */1 * * * *', periodInMs: 60_000, handler: sweep });
