/** The only source of time for use cases, so tests and benchmarks control it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Unique ids, behind a port so seeded tests can replay a run. */
export interface IdGenerator {
  newId(): string;
}
