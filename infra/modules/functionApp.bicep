// The Function App on the Flex Consumption plan (Linux, Node 22), running as the user-assigned
// identity, with every app setting the Azure composition root reads
// (shared/host/azure/azureSettings.ts SETTINGS) and, optionally, App Service authentication for agents.
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainerUrl string
@description('Blob container of uploaded files in the storage account (storage.bicep); the app signs in to it with the identity')
param filesContainerName string
param maximumInstanceCount int
@description('Application Insights component in this resource group; its connection string is read here, never passed through outputs')
param appInsightsName string
@description('The VNet integration subnet (network.bicep): the private path to Key Vault')
param appSubnetId string
param serviceBusFullyQualifiedNamespace string
param cosmosEndpoint string
param cosmosDatabase string
param keyVaultName string
param tokenSecretName string
param switchboardConfig string
param maxDeliveryCount int
param closedConversationTtlDays int
param allowAgentTokens bool
@description('App setting names that hold bot credentials; each becomes a Key Vault reference')
param botSecretSettings array
@description('Client id of the Entra ID app registration agents sign in with; empty: no App Service authentication')
param agentSignInClientId string
param agentSignInTenantId string

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

// azd deploys the `api` service of azure.yaml to the resource with this tag.
var siteTags = union(tags, {
  'azd-service-name': 'api'
})

resource site 'Microsoft.Web/sites@2023-12-01' = {
  name: name
  location: location
  tags: siteTags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: appSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: 2048
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

var tokenSecretReference = '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${tokenSecretName})'

// Identity-based connections only: an endpoint, `credential: managedidentity` and the identity's
// client id; no key or connection string with a key. (Flex Consumption takes the runtime and its
// version from functionAppConfig: FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION are not set.)
// The app trusts the platform's principal headers only when the platform's sign-in is on.
var appServiceAuthentication = !empty(agentSignInClientId)

var appSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  ServiceBusConnection__fullyQualifiedNamespace: serviceBusFullyQualifiedNamespace
  ServiceBusConnection__credential: 'managedidentity'
  ServiceBusConnection__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  AZURE_CLIENT_ID: identityClientId
  COSMOS_ENDPOINT: cosmosEndpoint
  COSMOS_DATABASE: cosmosDatabase
  SWITCHBOARD_CONFIG: switchboardConfig
  SWITCHBOARD_PUBLIC_URL: 'https://${site.properties.defaultHostName}'
  SWITCHBOARD_TOKEN_SECRET: tokenSecretReference
  SWITCHBOARD_MAX_DELIVERY_COUNT: string(maxDeliveryCount)
  SWITCHBOARD_CLOSED_TTL_DAYS: string(closedConversationTtlDays)
  SWITCHBOARD_ALLOW_AGENT_TOKENS: allowAgentTokens ? 'true' : 'false'
  SWITCHBOARD_APP_SERVICE_AUTH: appServiceAuthentication ? 'true' : 'false'
  // The tenant whose sign-ins App Service authentication accepts: the app maps only its object ids to agents.
  SWITCHBOARD_AGENT_TENANT_ID: agentSignInTenantId
  SWITCHBOARD_FILES_CONTAINER_URL: 'https://${storageAccountName}.blob.${environment().suffixes.storage}/${filesContainerName}'
}

// A bot's `credentials: { secretFromEnv: MY_BOT_SECRET }` reads the app setting MY_BOT_SECRET; listed
// in botSecretSettings, it becomes a reference to the Key Vault secret my-bot-secret (Key Vault secret
// names allow letters, digits and dashes only). Put the value there with
// `az keyvault secret set --vault-name <vault> --name my-bot-secret --value ...`.
var botSecretAppSettings = toObject(botSecretSettings, setting => setting, setting => '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${toLower(replace(setting, '_', '-'))})')

resource siteAppSettings 'Microsoft.Web/sites/config@2023-12-01' = {
  parent: site
  name: 'appsettings'
  // Switchboard's own settings win over a bot setting of the same name.
  properties: union(botSecretAppSettings, appSettings)
}

// App Service authentication for agents: a signed-in agent's requests carry the x-ms-client-principal
// header the platform injects; everyone else passes through anonymous (customers and bots
// authenticate in the app). The customer and bot routes are excluded, so the platform never judges
// the bearer tokens they carry (customer chat tokens, Direct Line tokens, Bot Framework tokens) as Entra ID tokens. Nothing
// else is: the demo bot is not served in Azure (unless SWITCHBOARD_DEMO_BOT=true) and gets no bypass.
resource authSettings 'Microsoft.Web/sites/config@2023-12-01' = if (!empty(agentSignInClientId)) {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
      excludedPaths: [
        '/api/health'
        '/api/chats'
        '/api/chats/*'
        '/api/directline/*'
        '/api/connector/*'
      ]
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: agentSignInClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${agentSignInTenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            agentSignInClientId
            'api://${agentSignInClientId}'
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
  dependsOn: [
    siteAppSettings
  ]
}

output name string = site.name
output uri string = 'https://${site.properties.defaultHostName}'
