// The Functions host's storage (AzureWebJobsStorage: timer locks, host keys), the Flex Consumption
// deployment container, and the container of files customers upload (Direct Line). Shared-key access is
// off: the identity's roles are the only way in.
param name string
param location string
param tags object
@description('Blob container the Flex Consumption plan deploys the app package from')
param deploymentContainerName string
@description('Principal id of the Function App identity')
param principalId string
@description('Blob container of the files customers attach to Direct Line messages (SWITCHBOARD_FILES_CONTAINER_URL)')
param filesContainerName string
@description('Days an uploaded file is kept: at least as long as the transcript that links to it')
param filesRetentionDays int

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }

  resource blobServices 'blobServices' = {
    name: 'default'

    resource deployments 'containers' = {
      name: deploymentContainerName
    }

    // Private: files are served by the app, through links it signs (never straight from the account).
    resource files 'containers' = {
      name: filesContainerName
      properties: {
        publicAccess: 'None'
      }
    }
  }
}

// Uploads go away on their own, after the transcripts that link to them (SWITCHBOARD_CLOSED_TTL_DAYS).
resource filesRetention 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-old-uploads'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                '${filesContainerName}/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterCreationGreaterThan: filesRetentionDays
                }
              }
            }
          }
        }
      ]
    }
  }
}

var roles = [
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
]

resource roleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in roles: {
  name: guid(storage.id, principalId, role)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}]

// The app's own role on the uploads' container: it writes and reads files there. (The account-wide Blob
// Data Owner above is the Functions host's; this one stays if that is ever narrowed to the host's containers.)
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource filesContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::blobServices::files.id, principalId, storageBlobDataContributor)
  scope: storage::blobServices::files
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output name string = storage.name
output filesContainerName string = storage::blobServices::files.name
output deploymentContainerUrl string = '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
