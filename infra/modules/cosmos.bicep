// Cosmos DB (NoSQL): the account, the database and the containers of
// shared/adapters/cosmos/cosmosContainers.ts. Keys are disabled: data access is Entra ID RBAC only.
param name string
param location string
param tags object
param databaseName string
@allowed([
  'serverless'
  'autoscale'
])
@description('serverless: pay per request unit; autoscale: shared database throughput between 10% and 100% of autoscaleMaxThroughput. Fixed at account creation.')
param capacityMode string
param autoscaleMaxThroughput int
@description('Principal id of the Function App identity')
param principalId string
@description('Principal id of the developer or CI principal running azd (local runs against the cloud); empty: none')
param developerPrincipalId string = ''

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    capabilities: capacityMode == 'serverless' ? [
      {
        name: 'EnableServerless'
      }
    ] : []
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    publicNetworkAccess: 'Enabled'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
    options: capacityMode == 'serverless' ? {} : {
      autoscaleSettings: {
        maxThroughput: autoscaleMaxThroughput
      }
    }
  }
}

// cosmosContainerRequests() of shared/adapters/cosmos/cosmosContainers.ts, in Cosmos DB's own shape
// (test/infra.test.ts checks they agree). defaultTtl -1: TTL on, and only items that carry their own
// ttl expire (closed conversations, SWITCHBOARD_CLOSED_TTL_DAYS); transcripts keep their messages.
// waiting has no TTL (an entry leaves with its chat) and is listed oldest first by two fields, which
// needs the composite index.
// feeds (the live feeds of agents and queues) keep events 2 days (172800 s, the code's
// DEFAULT_FEED_RETENTION_IN_SECONDS): Cosmos DB deletes them by TTL, nothing else prunes them.
// insightEvents (the insights log) keeps raw events 35 days (3024000 s), the default of the configuration's
// insights.rawEventRetentionDays: change both together. Its events' data is not indexed (never queried).
// insights (the hour aggregates and cursors) never expire, and only what the hours query filters and orders
// by is indexed, so saving an hour costs by its size, not by the number of its counters.
var containers = [
  {
    id: 'conversations'
    partitionKey: {
      paths: [
        '/id'
      ]
      kind: 'Hash'
    }
    defaultTtl: -1
  }
  {
    id: 'waiting'
    partitionKey: {
      paths: [
        '/queue'
      ]
      kind: 'Hash'
    }
    indexingPolicy: {
      indexingMode: 'consistent'
      automatic: true
      includedPaths: [
        {
          path: '/*'
        }
      ]
      excludedPaths: [
        {
          path: '/"_etag"/?'
        }
      ]
      compositeIndexes: [
        [
          {
            path: '/enqueuedAt'
            order: 'ascending'
          }
          {
            path: '/id'
            order: 'ascending'
          }
        ]
      ]
    }
  }
  {
    id: 'agents'
    partitionKey: {
      paths: [
        '/id'
      ]
      kind: 'Hash'
    }
  }
  {
    id: 'transcripts'
    partitionKey: {
      paths: [
        '/conversationId'
      ]
      kind: 'Hash'
    }
    defaultTtl: -1
  }
  {
    id: 'queues'
    partitionKey: {
      paths: [
        '/id'
      ]
      kind: 'Hash'
    }
  }
  {
    id: 'feeds'
    partitionKey: {
      paths: [
        '/scope'
      ]
      kind: 'Hash'
    }
    defaultTtl: 172800
  }
  {
    id: 'insightEvents'
    partitionKey: {
      paths: [
        '/scope'
      ]
      kind: 'Hash'
    }
    defaultTtl: 3024000
    indexingPolicy: {
      indexingMode: 'consistent'
      automatic: true
      includedPaths: [
        {
          path: '/*'
        }
      ]
      excludedPaths: [
        {
          path: '/data/*'
        }
        {
          path: '/"_etag"/?'
        }
      ]
    }
  }
  {
    id: 'insights'
    partitionKey: {
      paths: [
        '/workstream'
      ]
      kind: 'Hash'
    }
    indexingPolicy: {
      indexingMode: 'consistent'
      automatic: true
      includedPaths: [
        {
          path: '/workstream/?'
        }
        {
          path: '/kind/?'
        }
        {
          path: '/hour/?'
        }
      ]
      excludedPaths: [
        {
          path: '/*'
        }
        {
          path: '/"_etag"/?'
        }
      ]
    }
  }
]

@batchSize(1)
resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = [for container in containers: {
  parent: database
  name: container.id
  properties: {
    resource: container
  }
}]

// Cosmos DB Built-in Data Contributor: read and write items, no control plane (the app never
// creates containers in Azure). Cosmos DB's control plane takes one change at a time per account, so
// the containers are created one by one and the role assignments follow them.
var dataContributor = '00000000-0000-0000-0000-000000000002'

resource appDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = {
  parent: account
  name: guid(account.id, principalId, dataContributor)
  properties: {
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributor}'
    principalId: principalId
    scope: account.id
  }
  dependsOn: [
    sqlContainers
  ]
}

resource developerDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = if (!empty(developerPrincipalId)) {
  parent: account
  name: guid(account.id, developerPrincipalId, dataContributor)
  properties: {
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributor}'
    principalId: developerPrincipalId
    scope: account.id
  }
  dependsOn: [
    appDataContributor
  ]
}

output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
