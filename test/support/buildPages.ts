import { buildPagesIfStale } from '../../shared/host/local/pagesBuild';

/** Jest's global setup: the page and browser tests serve dist/pages, built once before any test file runs. */
export default async function buildPagesBeforeTheSuite(): Promise<void> {
  await buildPagesIfStale({ quiet: true });
}
