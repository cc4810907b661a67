import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { ServiceBusAdministrationClient, ServiceBusClient, type ServiceBusAdministrationClientOptions, type ServiceBusClientOptions } from '@azure/service-bus';

/**
 * How to reach a Service Bus namespace. In Azure: the namespace with an identity (the Function App's
 * user-assigned managed identity when its client id is given, else DefaultAzureCredential, which also
 * covers a developer's `az login` against real resources). A connection string is for local tests and
 * the emulator only: the infrastructure grants roles, not keys.
 */
export type ServiceBusConnection =
  | { fullyQualifiedNamespace: string; managedIdentityClientId?: string; credential?: TokenCredential }
  | { connectionString: string };

/** Built once by a composition root; the caller closes it. */
export function createServiceBusClient(connection: ServiceBusConnection, options: ServiceBusClientOptions = {}): ServiceBusClient {
  if ('connectionString' in connection) {
    if (!connection.connectionString.trim()) throw new TypeError('A Service Bus connection string was expected instead of an empty string.');
    return new ServiceBusClient(connection.connectionString, options);
  }
  const namespace = toFullyQualifiedNamespace(connection.fullyQualifiedNamespace);
  return new ServiceBusClient(namespace, credentialOf(connection), options);
}

/**
 * The namespace's management endpoint (HTTPS, Atom), with the same connection: the health route reads each
 * queue's runtime properties (message counts) through it. The app's identity holds Azure Service Bus Data
 * Owner on the namespace (infra/modules/serviceBus.bicep), which includes reading them. Nothing to close. No
 * retries by default: the health route reads again on its next probe, and must not hang on this one.
 */
export function createServiceBusAdministrationClient(connection: ServiceBusConnection, options: ServiceBusAdministrationClientOptions = { retryOptions: { maxRetries: 0 } }): ServiceBusAdministrationClient {
  if ('connectionString' in connection) {
    if (!connection.connectionString.trim()) throw new TypeError('A Service Bus connection string was expected instead of an empty string.');
    return new ServiceBusAdministrationClient(connection.connectionString, options);
  }
  const namespace = toFullyQualifiedNamespace(connection.fullyQualifiedNamespace);
  return new ServiceBusAdministrationClient(namespace, credentialOf(connection), options);
}

function credentialOf(connection: { managedIdentityClientId?: string; credential?: TokenCredential }): TokenCredential {
  return connection.credential ?? (connection.managedIdentityClientId ? new ManagedIdentityCredential({ clientId: connection.managedIdentityClientId }) : new DefaultAzureCredential());
}

/** Accepts `ns.servicebus.windows.net`, or the namespace endpoint as the portal and Bicep give it (`sb://ns.servicebus.windows.net:443/`). */
export function toFullyQualifiedNamespace(value: string): string {
  const host = value
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/[:/].*$/, '');
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i.test(host)) {
    throw new TypeError(`A Service Bus namespace host name like '<namespace>.servicebus.windows.net' was expected instead of '${value}'.`);
  }
  return host;
}
