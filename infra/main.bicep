// Switchboard's Service Bus entities. The Function App, Cosmos DB and Application Insights
// resources come with part 3 (issue 4). Not compiled here: no Bicep CLI can be installed offline,
// so test/infra.test.ts checks the queue names and settings against the code instead.
@description('Service Bus namespace name')
param serviceBusNamespaceName string

@description('Location for all resources')
param location string = resourceGroup().location

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: serviceBusNamespaceName
  location: location
  sku: { name: 'Standard', tier: 'Standard' }
}

// One queue per kind of work; all session-enabled (one conversation / one routing queue at a time,
// in order), with duplicate detection on the business idempotency key (messageId).
var queues = [
  'conversation-commands'
  'dispatch'
  'bot-deliveries'
]

resource serviceBusQueues 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = [for name in queues: {
  parent: namespace
  name: name
  properties: {
    requiresSession: true
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    maxDeliveryCount: 10
    lockDuration: 'PT1M'
    deadLetteringOnMessageExpiration: true
  }
}]

output serviceBusEndpoint string = namespace.properties.serviceBusEndpoint
