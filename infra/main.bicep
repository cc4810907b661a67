// Switchboard on Azure, for `azd up`: a Function App on the Flex Consumption plan (Node 22) with a
// user-assigned managed identity, Service Bus queues with sessions, Cosmos DB, Application Insights,
// Key Vault (private: reached over a virtual network and a private endpoint), and the identity's role
// assignments. No key or connection string with a key anywhere.
// See infra/README.md. The Bicep compiler is not available where this was written: CI compiles it
// (`az bicep build`), and test/infra.test.ts checks the names and settings against the code.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name: names the resource group and seeds the resource names')
param environmentName string

@minLength(1)
@description('Region of every resource; it must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations)')
param location string

@description('Object id of the user or CI principal running azd (AZURE_PRINCIPAL_ID): data access to Cosmos DB and Service Bus, and Key Vault Secrets Officer, for local runs against the cloud and for writing bot secrets. Empty: none.')
param principalId string = ''

@description('SWITCHBOARD_CONFIG: the configuration file in the deployment package, relative to the app root')
param switchboardConfig string = 'infra/switchboard.azure.yaml'

@minValue(1)
@description('Deliveries of a queue message before it is dead-lettered; also SWITCHBOARD_MAX_DELIVERY_COUNT')
param maxDeliveryCount int = 10

@minValue(1)
@description('SWITCHBOARD_CLOSED_TTL_DAYS: days a closed conversation is kept before Cosmos DB expires it')
param closedConversationTtlDays int = 30

@allowed([
  'serverless'
  'autoscale'
])
@description('Cosmos DB capacity, fixed when the account is created: serverless (pay per request) or autoscale (shared database throughput)')
param cosmosCapacityMode string = 'serverless'

@minValue(1000)
@description('Autoscale only: the maximum RU/s the database scales to (the minimum is 10% of it)')
param cosmosAutoscaleMaxThroughput int = 1000

@secure()
@description('The secret that signs customer chat tokens (SWITCHBOARD_TOKEN_SECRET in the azd environment). Empty: generatedTokenSecret.')
param tokenSecret string = ''

@secure()
@description('Used when tokenSecret is empty. A new value on every deployment, which ends the customer tokens already issued: set tokenSecret to keep one secret.')
param generatedTokenSecret string = '${newGuid()}${newGuid()}'

@description('App setting names of bot credentials in the configuration (credentials.secretFromEnv, certificate.privateKeyFromEnv): each becomes a Key Vault reference to the secret of the same name in lower case with dashes, e.g. MY_BOT_SECRET -> my-bot-secret')
param botSecretSettings array = []

@description('Client id of the Entra ID app registration agents sign in with (App Service authentication). Empty: no platform sign-in.')
param agentSignInClientId string = ''

@description('Tenant of that app registration')
param agentSignInTenantId string = subscription().tenantId

@description('SWITCHBOARD_ALLOW_AGENT_TOKENS: also accept the development agent tokens of the configuration')
param allowAgentTokens bool = false

@description('Flex Consumption: the most instances the app scales out to')
param maximumInstanceCount int = 100

@description('Where the alerts (infra/modules/alerts.bicep) are emailed (SWITCHBOARD_ALERT_EMAIL in the azd environment). Empty: they show in Monitor > Alerts only.')
param alertEmail string = ''

@minValue(1)
@description('The oldest-wait alert fires when a queue\'s first waiting chat has waited longer than this many seconds (the service level threshold)')
param oldestWaitAlertSeconds int = 60

var tags = {
  'azd-env-name': environmentName
}
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var cosmosDatabaseName = 'switchboard'
var tokenSecretName = 'switchboard-token-secret'

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: 'app-package-${resourceToken}'
    principalId: identity.outputs.principalId
    filesContainerName: 'directline-files'
    filesRetentionDays: closedConversationTtlDays + 1
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    appInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
    principalId: identity.outputs.principalId
  }
}

module serviceBus 'modules/serviceBus.bicep' = {
  name: 'serviceBus'
  scope: rg
  params: {
    name: 'sb-${resourceToken}'
    location: location
    tags: tags
    maxDeliveryCount: maxDeliveryCount
    principalId: identity.outputs.principalId
    developerPrincipalId: principalId
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    name: 'cosmos-${resourceToken}'
    location: location
    tags: tags
    databaseName: cosmosDatabaseName
    capacityMode: cosmosCapacityMode
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
    principalId: identity.outputs.principalId
    developerPrincipalId: principalId
  }
}

module keyVault 'modules/keyVault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    tokenSecretName: tokenSecretName
    tokenSecretValue: empty(tokenSecret) ? generatedTokenSecret : tokenSecret
    principalId: identity.outputs.principalId
    developerPrincipalId: principalId
  }
}

module network 'modules/network.bicep' = {
  name: 'network'
  scope: rg
  params: {
    name: 'vnet-${resourceToken}'
    location: location
    tags: tags
    keyVaultId: keyVault.outputs.id
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    location: location
    tags: tags
    appInsightsId: monitoring.outputs.id
    serviceBusNamespaceId: serviceBus.outputs.id
    alertEmail: alertEmail
    oldestWaitAlertSeconds: oldestWaitAlertSeconds
  }
}

// Takes its inputs from the outputs of every other module, so it is deployed after all of them,
// role assignments included: the app's first start finds its roles (if Azure RBAC has propagated).
module functionApp 'modules/functionApp.bicep' = {
  name: 'functionApp'
  scope: rg
  params: {
    name: 'func-${resourceToken}'
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    filesContainerName: storage.outputs.filesContainerName
    maximumInstanceCount: maximumInstanceCount
    appInsightsName: monitoring.outputs.name
    appSubnetId: network.outputs.appSubnetId
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabase: cosmos.outputs.databaseName
    keyVaultName: keyVault.outputs.name
    tokenSecretName: keyVault.outputs.tokenSecretName
    switchboardConfig: switchboardConfig
    maxDeliveryCount: maxDeliveryCount
    closedConversationTtlDays: closedConversationTtlDays
    allowAgentTokens: allowAgentTokens
    botSecretSettings: botSecretSettings
    agentSignInClientId: agentSignInClientId
    agentSignInTenantId: agentSignInTenantId
  }
}

// azd keeps these in the environment (`azd env get-values`). The ones named like app settings let a
// developer run `npm start` against these resources with their own Entra ID sign-in (principalId).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = subscription().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = functionApp.outputs.uri
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output COSMOS_DATABASE string = cosmos.outputs.databaseName
output ServiceBusConnection__fullyQualifiedNamespace string = serviceBus.outputs.fullyQualifiedNamespace
