// Key Vault in RBAC mode: the customer-token secret, and the place for bot secrets. An app setting
// whose value is @Microsoft.KeyVault(VaultName=...;SecretName=...) is resolved by the platform with
// the Function App identity (keyVaultReferenceIdentity), which holds Key Vault Secrets User here.
// No public network access: the app reads it over the private endpoint of network.bicep. Purge
// protection: a deleted vault (and its secrets) stays recoverable for the retention period.
param name string
param location string
param tags object
@description('Secret name of the customer-token signing secret')
param tokenSecretName string
@secure()
param tokenSecretValue string
@description('Principal id of the Function App identity')
param principalId string
@description('Principal id of the developer or CI principal running azd: may write bot secrets; empty: none')
param developerPrincipalId string = ''

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    enablePurgeProtection: true
    publicNetworkAccess: 'Disabled'
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'AzureServices'
    }
  }
}

resource tokenSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: tokenSecretName
  properties: {
    value: tokenSecretValue
  }
}

var secretsUser = '4633458b-17de-408a-b874-0445c86b69e6' // Key Vault Secrets User
var secretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7' // Key Vault Secrets Officer

resource appReadsSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, secretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource developerManagesSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(developerPrincipalId)) {
  name: guid(vault.id, developerPrincipalId, secretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsOfficer)
    principalId: developerPrincipalId
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
output tokenSecretName string = tokenSecret.name
