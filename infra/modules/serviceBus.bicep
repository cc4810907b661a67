// Service Bus: one session-enabled queue per kind of work (shared/ports/messageBus.ts QUEUES).
// Local (SAS) authentication is off: the Functions triggers and the app's sender use the identity.
param name string
param location string
param tags object
@description('Deliveries of one message before it is dead-lettered; the app reads the same number from SWITCHBOARD_MAX_DELIVERY_COUNT')
param maxDeliveryCount int
@description('Principal id of the Function App identity')
param principalId string
@description('Principal id of the developer or CI principal running azd (local runs against the cloud); empty: none')
param developerPrincipalId string = ''

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

// The names of QUEUES in shared/ports/messageBus.ts (test/infra.test.ts checks they agree).
var queueNames = [
  'conversation-commands'
  'dispatch'
  'bot-deliveries'
]

// Sessions: one conversation (or one routing queue, for dispatch) is handled by one receiver at a
// time, in order. Duplicate detection: messageId is the business idempotency key. A message whose
// handler keeps failing is dead-lettered after maxDeliveryCount deliveries; the trigger renews the
// 1-minute lock while a handler runs (host.json maxAutoLockRenewalDuration).
var queueProperties = {
  requiresSession: true
  requiresDuplicateDetection: true
  duplicateDetectionHistoryTimeWindow: 'PT10M'
  maxDeliveryCount: maxDeliveryCount
  lockDuration: 'PT1M'
  deadLetteringOnMessageExpiration: true
}

resource queues 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = [for queueName in queueNames: {
  parent: namespace
  name: queueName
  properties: queueProperties
}]

var dataOwner = '090c5cfd-751d-490a-894a-3ce6f1109419' // Azure Service Bus Data Owner

resource appDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(namespace.id, principalId, dataOwner)
  scope: namespace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource developerDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(developerPrincipalId)) {
  name: guid(namespace.id, developerPrincipalId, dataOwner)
  scope: namespace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataOwner)
    principalId: developerPrincipalId
  }
}

// <namespace>.servicebus.windows.net (from https://<namespace>.servicebus.windows.net:443/), what
// ServiceBusConnection__fullyQualifiedNamespace expects.
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '/')[2], ':')[0]
output id string = namespace.id
