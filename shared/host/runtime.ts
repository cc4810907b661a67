import type { Services } from '../usecases/services';

/**
 * The one place functions get their services from. A composition root (local host, Azure) installs
 * its factory before the first invocation; the factory runs once and its result is shared.
 */
let factory: (() => Promise<Services>) | undefined;
let current: Promise<Services> | undefined;

export function installServices(create: () => Promise<Services>): void {
  factory = create;
  current = undefined;
}

export function services(): Promise<Services> {
  if (!current) current = (factory ?? azureFactory)();
  return current;
}

/** In the Functions host nothing installs a factory: the Azure composition root builds the services at cold start. */
async function azureFactory(): Promise<Services> {
  // Loaded on demand so the local host never loads the Azure SDKs it does not use.
  const { createAzureServices } = await import('./azure/azureServices');
  return createAzureServices();
}
