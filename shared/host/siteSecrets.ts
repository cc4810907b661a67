import type { Config } from '../core/config';

/**
 * Each Direct Line site's secret, read once at start-up: written in the configuration (local
 * development) or from the environment variable it names. A site left without one still serves its
 * anonymous visitors; tokens/generate refuses it. Returns the warnings an operator should read.
 */
export function siteSecretsFrom(config: Config, env: NodeJS.ProcessEnv, where: 'local' | 'azure'): { secrets: Map<string, string>; warnings: string[] } {
  const secrets = new Map<string, string>();
  const warnings: string[] = [];
  for (const site of config.directLine.sites) {
    if (site.secret !== undefined) {
      secrets.set(site.name, site.secret);
      if (where === 'azure') warnings.push(`Direct Line site "${site.name}" has its secret written in the configuration file; move it to an app setting (secretFromEnv), ideally a Key Vault reference`);
      continue;
    }
    if (site.secretFromEnv === undefined) continue;
    const value = env[site.secretFromEnv];
    // Locally a site without its secret is the usual case (the hosted page needs none): said in Azure only.
    if (value === undefined || value === '') {
      if (where === 'azure') warnings.push(`Direct Line site "${site.name}": ${site.secretFromEnv} is not set, so its backend cannot call tokens/generate`);
    } else if (value.length < 32) warnings.push(`Direct Line site "${site.name}": ${site.secretFromEnv} is shorter than 32 characters, so it is not used`);
    else secrets.set(site.name, value);
  }
  return { secrets, warnings };
}
