import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { cosmosContainerRequests, DEFAULT_COSMOS_DATABASE } from '../shared/adapters/cosmos/cosmosContainers';
import { readAzureSettings, SETTINGS } from '../shared/host/azure/azureSettings';
import { loadFunctions } from '../shared/host/local/functionsLoader';
import { SERVICE_BUS_CONNECTION, servedRoute } from '../shared/host/registry';
import { QUEUES } from '../shared/ports/messageBus';

/**
 * infra/ cannot be compiled here (no Bicep CLI offline; CI compiles it), so this reads the Bicep text
 * and checks that it agrees with the code: queue names and settings, Cosmos containers, app settings,
 * the trigger connection, the runtime, and that no key is used anywhere.
 */
const root = join(__dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const main = read('infra/main.bicep');
const serviceBus = read('infra/modules/serviceBus.bicep');
const cosmos = read('infra/modules/cosmos.bicep');
const functionApp = read('infra/modules/functionApp.bicep');
const keyVault = read('infra/modules/keyVault.bicep');

// ---- a reader for the literal values of Bicep variables (objects, arrays, strings, numbers, names)

type Bicep = string | number | boolean | null | { ref: string } | Bicep[] | { [key: string]: Bicep };

/** The value of `var <name> = <literal>` in a Bicep file (read lazily: the text after the literal is never looked at). */
function bicepVar(file: string, name: string): Bicep {
  const start = new RegExp(`^var ${name} = `, 'm').exec(file);
  if (!start) throw new Error(`no var ${name}`);
  let i = start.index + start[0].length;
  const next = (): string => {
    for (;;) {
      const c = file[i];
      if (c === undefined) throw new Error(`var ${name} does not end`);
      if (/\s|,/.test(c)) i++;
      else if (file.startsWith('//', i)) i = file.indexOf('\n', i);
      else break;
    }
    if ('{}[]:'.includes(file[i]!)) return file[i++]!;
    if (file[i] === "'") {
      const end = file.indexOf("'", i + 1);
      const token = file.slice(i, end + 1);
      i = end + 1;
      return token;
    }
    const word = /^-?[\w.]+/.exec(file.slice(i, i + 200));
    if (!word) throw new Error(`var ${name}: not a literal at "${file.slice(i, i + 20)}"`);
    i += word[0].length;
    return word[0];
  };
  const value = (token = next()): Bicep => {
    if (token === '{') {
      const object: Record<string, Bicep> = {};
      for (let key = next(); key !== '}'; key = next()) {
        if (next() !== ':') throw new Error(`var ${name}: expected ":" after ${key}`);
        object[key.replace(/^'|'$/g, '')] = value();
      }
      return object;
    }
    if (token === '[') {
      const array: Bicep[] = [];
      for (let item = next(); item !== ']'; item = next()) array.push(value(item));
      return array;
    }
    if (token.startsWith("'")) return token.slice(1, -1);
    if (/^-?\d+$/.test(token)) return Number(token);
    if (token === 'true' || token === 'false') return token === 'true';
    if (token === 'null') return null;
    return { ref: token };
  };
  return value();
}

/** `param <name> <type> = <literal>` in main.bicep. */
function mainDefault(name: string): string | number | boolean | undefined {
  const match = new RegExp(`^param ${name} (\\w+) = (.+)$`, 'm').exec(main);
  if (!match) return undefined;
  const literal = match[2]!.trim();
  if (match[1] === 'int') return Number(literal);
  if (match[1] === 'bool') return literal === 'true';
  return /^'[^'$]*'$/.test(literal) ? literal.slice(1, -1) : undefined;
}

/** The `params: { ... }` block of `module <name> ...` in main.bicep, as lines `key: expression`. */
function moduleParams(name: string): Record<string, string> {
  const block = new RegExp(`^module ${name} [^\\n]*\\n([\\s\\S]*?)^}`, 'm').exec(main)?.[1] ?? '';
  return Object.fromEntries([...block.matchAll(/^ {4}(\w+): (.+)$/gm)].map((m) => [m[1]!, m[2]!.trim()]));
}

/** A module parameter's value when main.bicep passes its own parameter of the same name through. */
function passedThrough(module: string, param: string): string | number | boolean | undefined {
  return moduleParams(module)[param] === param ? mainDefault(param) : undefined;
}

/** `var appSettings = { KEY: expression ... }` of the Function App, as written. */
function appSettingExpressions(): Record<string, string> {
  const block = /^var appSettings = \{\n([\s\S]*?)^\}/m.exec(functionApp)?.[1] ?? '';
  return Object.fromEntries([...block.matchAll(/^ {2}(\w+): (.+)$/gm)].map((m) => [m[1]!, m[2]!.trim()]));
}

/** What an app setting's value would be, with main.bicep's defaults and a placeholder for what only Azure knows. */
function evaluate(expression: string): string {
  const literal = /^'(.*)'$/.exec(expression);
  if (literal) return literal[1]!.replace(/\$\{[^}]*\}/g, 'placeholder');
  const asString = /^string\((\w+)\)$/.exec(expression);
  // ARM's string() of a bool is 'True' or 'False', which the app would refuse.
  if (asString) {
    const value = passedThrough('functionApp', asString[1]!);
    return typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value);
  }
  const choice = /^(\w+) \? '(\w*)' : '(\w*)'$/.exec(expression);
  if (choice) return passedThrough('functionApp', choice[1]!) === true ? choice[2]! : choice[3]!;
  const passed = passedThrough('functionApp', expression);
  // A tenant id main.bicep takes from the deployment (subscription().tenantId): a GUID only Azure knows.
  if (passed === undefined && moduleParams('functionApp')[expression] === expression && /^(subscription|tenant)\(\)\.tenantId$/.test(mainDefaultExpression(expression) ?? '')) return PLACEHOLDER_TENANT;
  return passed === undefined ? `<${expression}>` : String(passed);
}

const PLACEHOLDER_TENANT = '00000000-0000-4000-8000-00000000aaaa';

/** The text after `param <name> <type> = `, as written. */
function mainDefaultExpression(name: string): string | undefined {
  return new RegExp(`^param ${name} \\w+ = (.+)$`, 'm').exec(main)?.[1]?.trim();
}

const settings = appSettingExpressions();
const environment = Object.fromEntries(Object.entries(settings).map(([name, expression]) => [name, evaluate(expression)]));

// ---- Service Bus

describe('Service Bus', () => {
  const queueProperties = bicepVar(serviceBus, 'queueProperties') as Record<string, Bicep>;

  test('declares exactly the work queues of QUEUES, one queue resource per name', () => {
    expect([...(bicepVar(serviceBus, 'queueNames') as string[])].sort()).toEqual(Object.values(QUEUES).sort());
    expect(serviceBus).toMatch(/\[for queueName in queueNames: \{\s+parent: namespace\s+name: queueName\s+properties: queueProperties\s+\}\]/);
  });

  test('every queue has sessions, duplicate detection, a 1-minute lock and dead-lettering', () => {
    expect(queueProperties).toMatchObject({
      requiresSession: true,
      requiresDuplicateDetection: true,
      duplicateDetectionHistoryTimeWindow: 'PT10M',
      lockDuration: 'PT1M',
      deadLetteringOnMessageExpiration: true,
    });
  });

  test("the queues' max delivery count is the one the app is told (SWITCHBOARD_MAX_DELIVERY_COUNT)", () => {
    expect(queueProperties.maxDeliveryCount).toEqual({ ref: 'maxDeliveryCount' });
    const queues = passedThrough('serviceBus', 'maxDeliveryCount');
    expect(queues).toBe(10);
    expect(settings[SETTINGS.maxDeliveryCount]).toBe('string(maxDeliveryCount)');
    expect(passedThrough('functionApp', 'maxDeliveryCount')).toBe(queues);
    const read = readAzureSettings(environment);
    expect(read.ok && read.settings.maxDeliveryCount).toBe(queues);
  });

  test('host.json renews a message lock for as long as a function may run', () => {
    const host = JSON.parse(read('host.json'));
    const seconds = (timeSpan: string) => timeSpan.split(':').reduce((total, part) => total * 60 + Number(part), 0);
    const renewal = seconds(host.extensions.serviceBus.maxAutoLockRenewalDuration);
    expect(seconds(host.functionTimeout)).toBeLessThanOrEqual(renewal);
    expect(queueProperties.lockDuration).toBe('PT1M');
    expect(renewal).toBeGreaterThan(60);
  });
});

// ---- Cosmos DB

describe('Cosmos DB', () => {
  test('declares every container of cosmosContainers.ts with its partition key, TTL, indexed paths and composite indexes', () => {
    const declared = bicepVar(cosmos, 'containers') as Record<string, any>[];
    const paths = (list: { path: string }[] | undefined, otherwise: string[]) => list?.map((p) => p.path).filter((p) => p !== '/"_etag"/?') ?? otherwise;
    const shape = (c: Record<string, any>) => ({
      id: c.id,
      partitionKey: c.partitionKey.paths,
      defaultTtl: c.defaultTtl,
      // Cosmos DB's defaults when a policy names none: everything indexed (and _etag excluded, which Azure adds itself).
      includedPaths: paths(c.indexingPolicy?.includedPaths, ['/*']),
      excludedPaths: paths(c.indexingPolicy?.excludedPaths, []),
      compositeIndexes: c.indexingPolicy?.compositeIndexes,
    });
    const expected = Object.values(cosmosContainerRequests()).map((c) => shape(c as Record<string, any>));
    expect(declared.map(shape).sort((a, b) => a.id.localeCompare(b.id))).toEqual(expected.sort((a, b) => a.id.localeCompare(b.id)));
    expect(cosmos).toMatch(/\[for container in containers: \{\s+parent: database\s+name: container\.id\s+properties: \{\s+resource: container\s+\}/);
  });

  test("the database is the app's default and is named in COSMOS_DATABASE", () => {
    expect(main).toMatch(new RegExp(`^var cosmosDatabaseName = '${DEFAULT_COSMOS_DATABASE}'$`, 'm'));
    expect(settings[SETTINGS.cosmosDatabase]).toBe('cosmosDatabase');
    expect(moduleParams('functionApp').cosmosDatabase).toBe('cosmos.outputs.databaseName');
  });

  test('only Entra ID works: keys are disabled and the identity has the data contributor role', () => {
    expect(cosmos).toMatch(/^ {4}disableLocalAuth: true$/m);
    expect(cosmos).toMatch(/sqlRoleDefinitions\/\$\{dataContributor\}/);
    expect(cosmos).toMatch(/^var dataContributor = '00000000-0000-0000-0000-000000000002'$/m);
  });
});

// ---- The Function App

describe('Function App settings', () => {
  test('sets every setting the Azure composition root requires, and the ones it should have in Azure', () => {
    const missing = readAzureSettings({});
    const required = missing.ok ? [] : missing.problems.map((p) => p.split(' ')[0]!);
    expect(required.length).toBeGreaterThan(0);
    const wanted = [SETTINGS.cosmosDatabase, SETTINGS.managedIdentityClientId, SETTINGS.appInsights, SETTINGS.maxDeliveryCount, SETTINGS.closedConversationTtlDays, SETTINGS.allowAgentTokens];
    for (const name of [...required, ...wanted]) expect(Object.keys(settings)).toContain(name);
  });

  test('the settings infra writes make a valid Azure configuration', () => {
    const result = readAzureSettings(environment);
    expect(result).toMatchObject({
      ok: true,
      settings: { configPath: 'infra/switchboard.azure.yaml', allowAgentTokens: false, maxDeliveryCount: 10, cosmos: { key: undefined, closedConversationTtlInSeconds: 30 * 86_400 } },
    });
  });

  test("agents sign in from one tenant: SWITCHBOARD_AGENT_TENANT_ID is the tenant App Service authentication trusts", () => {
    expect(settings[SETTINGS.agentTenantId]).toBe('agentSignInTenantId');
    expect(functionApp).toMatch(/openIdIssuer: '\$\{environment\(\)\.authentication\.loginEndpoint\}\$\{agentSignInTenantId\}\/v2\.0'/);
    expect(mainDefaultExpression('agentSignInTenantId')).toBe('subscription().tenantId');
    const signIn = readAzureSettings({ ...environment, [SETTINGS.appServiceAuthentication]: 'true' });
    expect(signIn.ok && signIn.settings.agentTenantId).toBe(PLACEHOLDER_TENANT);
  });

  test('names no setting the app does not read, besides the Functions host connections', () => {
    const known = new Set<string>(Object.values(SETTINGS));
    const hostSettings = /^(AzureWebJobsStorage__\w+|ServiceBusConnection__(credential|clientId)|APPLICATIONINSIGHTS_AUTHENTICATION_STRING)$/;
    expect(Object.keys(settings).filter((name) => !known.has(name) && !hostSettings.test(name))).toEqual([]);
    // Set by the platform, or a key: never by infra.
    expect(Object.keys(settings)).not.toContain(SETTINGS.websiteHostname);
    expect(Object.keys(settings)).not.toContain(SETTINGS.cosmosKey);
  });

  test('the Service Bus trigger connection is identity-based under the prefix the registrations use', () => {
    expect(SETTINGS.serviceBusNamespace).toBe(`${SERVICE_BUS_CONNECTION}__fullyQualifiedNamespace`);
    expect(settings[`${SERVICE_BUS_CONNECTION}__fullyQualifiedNamespace`]).toBe('serviceBusFullyQualifiedNamespace');
    expect(settings[`${SERVICE_BUS_CONNECTION}__credential`]).toBe("'managedidentity'");
    expect(settings[`${SERVICE_BUS_CONNECTION}__clientId`]).toBe('identityClientId');
  });

  test("the host's storage and the app's Azure SDK clients use the managed identity", () => {
    expect(settings).toMatchObject({
      AzureWebJobsStorage__accountName: 'storageAccountName',
      AzureWebJobsStorage__credential: "'managedidentity'",
      AzureWebJobsStorage__clientId: 'identityClientId',
      [SETTINGS.managedIdentityClientId]: 'identityClientId',
    });
    expect(functionApp).toMatch(/type: 'UserAssignedIdentity'\s+userAssignedIdentityResourceId: identityId/);
  });

  test('the token secret is a Key Vault reference to the secret keyVault.bicep creates, resolved with the identity', () => {
    expect(settings[SETTINGS.tokenSecret]).toBe('tokenSecretReference');
    expect(functionApp).toMatch(/^var tokenSecretReference = '@Microsoft\.KeyVault\(VaultName=\$\{keyVaultName\};SecretName=\$\{tokenSecretName\}\)'$/m);
    expect(moduleParams('functionApp').tokenSecretName).toBe('keyVault.outputs.tokenSecretName');
    expect(keyVault).toMatch(/output tokenSecretName string = tokenSecret\.name/);
    expect(keyVault).toMatch(/enableRbacAuthorization: true/);
    expect(functionApp).toMatch(/keyVaultReferenceIdentity: identityId/);
  });

  test('runs on Node 22 on the Flex Consumption plan', () => {
    expect(functionApp).toMatch(/runtime: \{\s+name: 'node'\s+version: '22'\s+\}/);
    expect(functionApp).toMatch(/name: 'FC1'\s+tier: 'FlexConsumption'/);
    expect(read('.github/workflows/ci.yml')).toMatch(/node: \[20, 22\]/);
  });
});

// ---- App Service authentication (agents)

describe('uploaded files (Direct Line)', () => {
  const storage = read('infra/modules/storage.bicep');

  test('a private container in the storage account, named in the app setting the app reads', () => {
    expect(storage).toMatch(/resource files 'containers' = \{\n\s+name: filesContainerName\n\s+properties: \{\n\s+publicAccess: 'None'/);
    expect(moduleParams('storage').filesContainerName).toMatch(/^'[a-z0-9-]{3,63}'$/);
    expect(moduleParams('functionApp').filesContainerName).toBe('storage.outputs.filesContainerName');
    const read = readAzureSettings(environment);
    expect(read.ok && read.settings.filesContainerUrl).toBe('https://placeholder.blob.placeholder/placeholder');
    expect(settings[SETTINGS.filesContainerUrl]).toBe("'https://${storageAccountName}.blob.${environment().suffixes.storage}/${filesContainerName}'");
  });

  test("the app's identity is a Storage Blob Data Contributor of that container", () => {
    expect(storage).toMatch(/^var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'$/m);
    expect(storage).toMatch(/resource filesContributor 'Microsoft\.Authorization\/roleAssignments@[\d-]+' = \{\n\s+name: guid\(storage::blobServices::files\.id, principalId, storageBlobDataContributor\)\n\s+scope: storage::blobServices::files\n\s+properties: \{\n\s+roleDefinitionId: subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', storageBlobDataContributor\)\n\s+principalId: principalId\n/);
  });

  test('uploads are deleted after the transcripts that link to them', () => {
    expect(storage).toMatch(/prefixMatch: \[\n\s+'\$\{filesContainerName\}\/'\n\s+\]/);
    expect(storage).toMatch(/daysAfterCreationGreaterThan: filesRetentionDays/);
    expect(moduleParams('storage').filesRetentionDays).toBe('closedConversationTtlDays + 1');
  });
});

describe('App Service authentication', () => {
  const excluded = bicepVar(functionApp.replace(/^ {6}excludedPaths: /m, 'var excludedPaths = '), 'excludedPaths') as string[];
  const isExcluded = (path: string) => excluded.some((p) => (p.endsWith('/*') ? path.startsWith(p.slice(0, -1)) : path === p));
  const routes = loadFunctions().http().map((f) => `/${servedRoute(f).replace(/\{[^}]+\}/g, 'x')}`);

  test('lets anonymous callers through, so customers and bots reach the app', () => {
    expect(functionApp).toMatch(/requireAuthentication: false\s+unauthenticatedClientAction: 'AllowAnonymous'/);
  });

  test('the excluded paths are the paths served: host.json has no route prefix, and the registry puts the API under /api', () => {
    expect(JSON.parse(read('host.json')).extensions?.http?.routePrefix).toBe('');
    expect(routes).toContain('/api/health');
  });

  test('pages need no bypass: they carry no bearer token, and anonymous visitors are let through', () => {
    const pages = routes.filter((r) => !r.startsWith('/api/'));
    expect(pages.length).toBeGreaterThan(0);
    for (const page of pages) expect([page, isExcluded(page)]).toEqual([page, false]);
  });

  test('customer and bot routes bypass it (their bearer tokens are not Entra ID tokens); agent and supervisor routes do not', () => {
    const bypass = routes.filter((r) => /^\/api\/(chats|directline|connector|health)(\/|$)/.test(r));
    expect(bypass.length).toBeGreaterThan(5);
    for (const route of bypass) expect([route, isExcluded(route)]).toEqual([route, true]);
    const agentRoutes = routes.filter((r) => r.startsWith('/api/agents/') || r.startsWith('/api/supervisor/') || r === '/api/me');
    expect(agentRoutes.filter((r) => !r.startsWith('/api/agents/')).length).toBeGreaterThan(4);
    for (const route of agentRoutes) expect([route, isExcluded(route)]).toEqual([route, false]);
  });
  test('nothing excluded is served only by the local host: the demo bot (off in Azure unless SWITCHBOARD_DEMO_BOT=true) gets no bypass', () => {
    expect(routes).toContain('/api/demo-bot/messages');
    expect(isExcluded('/api/demo-bot/messages')).toBe(false);
    expect(excluded.filter((path) => !routes.some((route) => (path.endsWith('/*') ? route.startsWith(path.slice(0, -1)) : route === path)))).toEqual([]);
  });
});

// ---- Application Insights

describe('Application Insights (issue 11, finding 8)', () => {
  const monitoring = read('infra/modules/monitoring.bicep');

  test('refuses ingestion by instrumentation key: only Entra ID, the identity holding Monitoring Metrics Publisher, sends', () => {
    expect(monitoring).toMatch(/^ {4}DisableLocalAuth: true$/m);
    expect(monitoring).toMatch(/^var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'$/m);
    expect(monitoring).toMatch(/scope: appInsights\s+properties: \{\s+roleDefinitionId: subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', monitoringMetricsPublisher\)/);
    expect(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING).toBe("'ClientId=${identityClientId};Authorization=AAD'");
  });

  test('its connection string is in no deployment output: the Function App reads it from the resource', () => {
    const outputs = (text: string) => [...text.matchAll(/^output .*$/gm)].map((m) => m[0]);
    for (const [file, text] of [['main.bicep', main], ['monitoring.bicep', monitoring], ['functionApp.bicep', functionApp]]) {
      expect([file, outputs(text!).filter((o) => /ConnectionString|connectionString|APPLICATIONINSIGHTS/.test(o))]).toEqual([file, []]);
    }
    expect(settings[SETTINGS.appInsights]).toBe('appInsights.properties.ConnectionString');
    expect(functionApp).toMatch(/resource appInsights 'Microsoft\.Insights\/components@[\d-]+' existing = \{\s+name: appInsightsName\s+\}/);
  });
});

// ---- Key Vault

describe('Key Vault (issue 11, finding 8)', () => {
  const network = read('infra/modules/network.bicep');

  test('purge protection on, no public network access', () => {
    expect(keyVault).toMatch(/^ {4}enablePurgeProtection: true$/m);
    expect(keyVault).toMatch(/^ {4}publicNetworkAccess: 'Disabled'$/m);
    expect(keyVault).toMatch(/networkAcls: \{\s+defaultAction: 'Deny'\s+bypass: 'AzureServices'\s+\}/);
  });

  test('the Function App reaches it on a private path: VNet integration, a private endpoint and its DNS zone', () => {
    // App Service is no Key Vault trusted service for Key Vault references: the bypass alone would leave them unresolved.
    expect(network).toMatch(/serviceName: 'Microsoft\.App\/environments'/);
    expect(network).toMatch(/privateLinkServiceId: keyVaultId\s+groupIds: \[\s*'vault'\s*\]/);
    expect(network).toMatch(/name: 'privatelink\.vaultcore\.azure\.net'/);
    expect(network).toMatch(/resource vaultZoneGroup 'Microsoft\.Network\/privateEndpoints\/privateDnsZoneGroups@/);
    expect(functionApp).toMatch(/^ {4}virtualNetworkSubnetId: appSubnetId$/m);
    expect(moduleParams('functionApp').appSubnetId).toBe('network.outputs.appSubnetId');
    expect(moduleParams('network').keyVaultId).toBe('keyVault.outputs.id');
  });
});

test('the bot insights workbook is deployed with Application Insights', () => {
  const monitoring = read('infra/modules/monitoring.bicep');
  const loaded = /serializedData: loadTextContent\('([^']+)'\)/.exec(monitoring)?.[1];
  expect(loaded).toBe('../insights/workbook.json');
  expect(JSON.parse(read(join('infra/modules', loaded!))).version).toBe('Notebook/1.0');
  expect(monitoring).toMatch(/sourceId: appInsights\.id/);
});

// ---- alerts

describe('alerts (infra/modules/alerts.bicep)', () => {
  const alerts = read('infra/modules/alerts.bicep');
  // Each entry of `var logAlerts = [ { key: expression ... } ]`, its values as written (bicepVar reads literals only).
  const logAlerts = (/^var logAlerts = \[\n([\s\S]*?)^\]/m.exec(alerts)?.[1] ?? '').split(/^ {2}\}$/m).filter((e) => e.includes(':')).map((entry) =>
    Object.fromEntries([...entry.matchAll(/^ {4}(\w+): (.+)$/gm)].map((m) => [m[1]!, m[2]!.trim().replace(/^'(.*)'$/, '$1')])),
  );
  const queryFiles = readdirSync(join(root, 'infra/alerts')).filter((f) => f.endsWith('.kql'));

  test('main.bicep deploys the module with Application Insights, the Service Bus namespace and the optional email', () => {
    const params = moduleParams('alerts');
    expect(params).toMatchObject({ appInsightsId: 'monitoring.outputs.id', serviceBusNamespaceId: 'serviceBus.outputs.id', alertEmail: 'alertEmail' });
    expect(mainDefault('alertEmail')).toBe('');
    expect(read('infra/modules/monitoring.bicep')).toMatch(/^output id string = appInsights\.id$/m);
    expect(serviceBus).toMatch(/^output id string = namespace\.id$/m);
  });

  test('every alert the issue names exists: oldest wait, bot failures, function failures, watchdog repairs (log alerts) and dead letters (metric)', () => {
    expect(logAlerts.map((a) => a.name)).toEqual(['oldest-wait', 'bot-failures', 'function-failures', 'sweep-repairs']);
    expect(alerts).toMatch(/resource logAlert 'Microsoft\.Insights\/scheduledQueryRules@[\d-]+' = \[for alert in logAlerts:/);
    expect(alerts).toMatch(/resource deadLetters 'Microsoft\.Insights\/metricAlerts@[\d-]+'/);
    expect(alerts).toMatch(/metricName: 'DeadletteredMessages'/);
    expect(alerts).toMatch(/metricNamespace: 'Microsoft\.ServiceBus\/namespaces'/);
  });

  test.each(['oldest-wait', 'bot-failures', 'function-failures', 'sweep-repairs'])('%s names its query file, which computes the column it compares, per its dimension', (name) => {
    const alert = logAlerts.find((a) => a.name === name)!;
    const loaded = /^loadTextContent\('\.\.\/alerts\/([\w-]+\.kql)'\)$/.exec(alert.query ?? '');
    expect(loaded?.[1]).toBe(`${name}.kql`);
    const kql = read(`infra/alerts/${name}.kql`);
    const code = kql.split('\n').filter((l) => !l.trim().startsWith('//')).join('\n');
    expect(code).toMatch(new RegExp(`\\b${alert.measure}\\s*=`));
    if (alert.dimension) expect(code).toMatch(new RegExp(`\\bby\\s+${alert.dimension}\\b`));
    // A parameter of the module (or one less, as the comparison is GreaterThan and the parameter a count to reach).
    const threshold = /^(\w+)( - 1)?$/.exec(alert.threshold ?? '')?.[1];
    expect(alerts).toMatch(new RegExp(`^param ${threshold} int = \\d+$`, 'm'));
  });

  test('the queries read the names the code sends', () => {
    expect(read('infra/alerts/oldest-wait.kql')).toMatch(/name == "OldestWaitMs"/);
    expect(read('shared/usecases/sweep.ts')).toMatch(/trackMetric\('OldestWaitMs'/);
    expect(read('infra/alerts/bot-failures.kql')).toMatch(/"BotDeliveryFailed", "BotUnreachable"/);
    expect(read('infra/alerts/sweep-repairs.kql')).toMatch(/name == "SweepRepaired"/);
    for (const measure of ['reservationsReleased', 'announcementsResent', 'autoClosesResent', 'chatsRerouted', 'offerExpiriesResent']) {
      expect([measure, read('infra/alerts/sweep-repairs.kql').includes(`m.${measure}`), read('shared/usecases/sweep.ts').includes(`${measure}:`)]).toEqual([measure, true, true]);
    }
    expect(read('infra/alerts/dead-letters.kql')).toMatch(/name == "MessageDeadLettered"/);
  });

  test('every query file is used: by a log alert, or (dead letters) named in the metric alert for the runbook', () => {
    const used = new Set([...logAlerts.map((a) => `${a.name}.kql`), ...(alerts.includes('infra/alerts/dead-letters.kql') ? ['dead-letters.kql'] : [])]);
    expect(queryFiles.sort()).toEqual([...used].sort());
  });

  test('alerts go to the action group only when an email is given', () => {
    expect(alerts).toMatch(/resource actionGroup 'Microsoft\.Insights\/actionGroups@[\d-]+' = if \(!empty\(alertEmail\)\)/);
    expect(alerts).toMatch(/var actionGroupIds = empty\(alertEmail\) \? \[\] : \[actionGroup\.id\]/);
    expect(alerts).toMatch(/actionGroups: actionGroupIds/);
  });
});

// ---- azd

describe('azd', () => {
  test('azure.yaml deploys the project as the function service the Function App is tagged with', () => {
    const azure = parseYaml(read('azure.yaml'));
    expect(azure.services.api).toMatchObject({ project: '.', language: 'ts', host: 'function' });
    expect(azure.infra).toMatchObject({ provider: 'bicep', path: 'infra', module: 'main' });
    expect(functionApp).toMatch(/'azd-service-name': 'api'/);
  });

  test('main.parameters.json only sets parameters main.bicep declares', () => {
    const parameters = Object.keys(JSON.parse(read('infra/main.parameters.json')).parameters);
    for (const name of parameters) expect([name, new RegExp(`^param ${name} `, 'm').test(main)]).toEqual([name, true]);
  });
});

// ---- No keys

describe('no keys', () => {
  const files = [
    ...walk(join(root, 'infra')),
    join(root, 'azure.yaml'),
    ...walk(join(root, '.github', 'workflows')),
  ]
    .filter((path) => !path.endsWith('.md'))
    .map((path) => ({ path: relative(root, path), text: readFileSync(path, 'utf8') }));

  test('no listKeys, no connection string with a key, anywhere in the infra files, azure.yaml or the workflows', () => {
    const forbidden = /listKeys\(|listConnectionStrings\(|AccountKey=|SharedAccessKey|primaryMasterKey|primaryKey|COSMOS_KEY/i;
    expect(files.filter((f) => forbidden.test(f.text)).map((f) => f.path)).toEqual([]);
  });

  test('local (key) authentication is off on Service Bus, Cosmos DB and storage', () => {
    expect(serviceBus).toMatch(/^ {4}disableLocalAuth: true$/m);
    expect(cosmos).toMatch(/^ {4}disableLocalAuth: true$/m);
    expect(read('infra/modules/storage.bicep')).toMatch(/^ {4}allowSharedKeyAccess: false$/m);
  });

  test('the identity holds a data role on each resource it connects to', () => {
    const roles = {
      'storage.bicep': ['b7e6dc6d-f1e8-4753-8033-0f276bb0955b', '974c5e8b-45b9-4653-ba55-5f855dd0fb88', '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'],
      'serviceBus.bicep': ['090c5cfd-751d-490a-894a-3ce6f1109419'],
      'keyVault.bicep': ['4633458b-17de-408a-b874-0445c86b69e6'],
      'monitoring.bicep': ['3913510d-42f4-4e42-8a64-420c390055eb'],
      'cosmos.bicep': ['00000000-0000-0000-0000-000000000002'],
    };
    for (const [file, ids] of Object.entries(roles)) {
      const text = read(`infra/modules/${file}`);
      for (const id of ids) expect([file, text.includes(`'${id}'`)]).toEqual([file, true]);
    }
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)]));
}

describe('the Azure starting configuration', () => {
  test('loads, authenticates every bot and has no development agent tokens', () => {
    const { loadConfigFile } = jest.requireActual<typeof import('../shared/config/loadConfig')>('../shared/config/loadConfig');
    const result = loadConfigFile(`${__dirname}/../infra/switchboard.azure.yaml`);
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.allowUnauthenticatedBots).toBe(false);
    for (const user of result.config.users) {
      if (user.kind === 'bot') expect(user.appId && user.credentials).toBeTruthy();
      else expect({ id: user.id, token: user.token, principal: Boolean(user.principal) }).toEqual({ id: user.id, token: undefined, principal: true });
    }
  });
});
