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
  if (!current) {
    if (!factory) {
      return Promise.reject(new Error('no composition root installed: Switchboard runs with `npm start` (local host); the Azure adapters come with part 3'));
    }
    current = factory();
  }
  return current;
}
