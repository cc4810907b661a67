import type { AppInsightsTelemetryOptions } from './appInsightsTelemetry';

type Credential = NonNullable<AppInsightsTelemetryOptions['credential']>;

/**
 * `APPLICATIONINSIGHTS_AUTHENTICATION_STRING` (`Authorization=AAD;ClientId=<client id>`) is what the Functions
 * host reads to send its own telemetry with Entra ID. The applicationinsights SDK's TelemetryClient does not
 * read it, so with local authentication disabled on the resource (infra: appInsightsDisableLocalAuth) our
 * custom events would be refused. This turns the same setting into the credential for the adapter:
 * a user-assigned managed identity when ClientId is given, the system-assigned one otherwise.
 * Returns undefined for anything that is not `Authorization=AAD`.
 */
export function credentialFromAuthenticationString(value: string | undefined): Credential | undefined {
  const fields = parseAuthenticationString(value);
  if (fields?.authorization?.toUpperCase() !== 'AAD') return undefined;
  // Loaded only when asked for: the local run never needs @azure/identity for telemetry.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy load, see above
  const { ManagedIdentityCredential } = require('@azure/identity') as typeof import('@azure/identity');
  return fields.clientid ? new ManagedIdentityCredential({ clientId: fields.clientid }) : new ManagedIdentityCredential();
}

/** `Key=Value;Key=Value` with keys lower-cased; undefined when empty. */
export function parseAuthenticationString(value: string | undefined): Record<string, string> | undefined {
  if (!value?.trim()) return undefined;
  const fields: Record<string, string> = {};
  for (const part of value.split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    fields[part.slice(0, at).trim().toLowerCase()] = part.slice(at + 1).trim();
  }
  return fields;
}
