// The Function App's user-assigned managed identity: every connection (storage, Service Bus,
// Cosmos DB, Key Vault, Application Insights) authenticates as this identity, never with a key.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
