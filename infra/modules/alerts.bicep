// The alerts an operator needs before customers notice (README "Alerts"): each a log search alert over
// Application Insights with its query in infra/alerts/*.kql, except dead letters, a Service Bus metric alert
// (it also sees what Service Bus dead-letters alone, when an instance died holding a message's last lock).
// Every alert goes to one action group, which emails `alertEmail` when one is given; without one the alerts
// still fire and show in Monitor > Alerts. test/infra.test.ts checks every alert exists and names its query.
param location string
param tags object
@description('Resource id of the Application Insights component the log alerts query')
param appInsightsId string
@description('Resource id of the Service Bus namespace (DeadletteredMessages)')
param serviceBusNamespaceId string
@description('Where alerts are emailed; empty: no action group, the alerts show in the portal only')
param alertEmail string = ''
@description('A routing queue whose first waiting chat waited longer than this fires the oldest-wait alert (the service level threshold)')
param oldestWaitAlertSeconds int = 60
@description('Failed deliveries to one bot within 15 minutes that fire the bot failure alert')
param botFailureAlertCount int = 5
@description('Failed invocations and exceptions of one function within 15 minutes that fire the function failure alert')
param functionFailureAlertCount int = 5
@description('Watchdog repairs within an hour that fire the repair alert')
param sweepRepairAlertCount int = 5

var suffix = uniqueString(appInsightsId)

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-switchboard-${suffix}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'switchboard'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var actionGroupIds = empty(alertEmail) ? [] : [actionGroup.id]

// One log search alert per query: `measure` is the query's column compared with `threshold` for each value of `dimension`.
var logAlerts = [
  {
    name: 'oldest-wait'
    displayName: 'Switchboard: a chat waits past the service level'
    description: 'A routing queue\'s first waiting chat has waited longer than the service-level threshold (OldestWaitMs from the sweep). Runbook: README "Alerts".'
    severity: 2
    query: loadTextContent('../alerts/oldest-wait.kql')
    measure: 'oldestWaitSeconds'
    dimension: 'queue'
    threshold: oldestWaitAlertSeconds
    frequency: 'PT5M'
    window: 'PT5M'
  }
  {
    name: 'bot-failures'
    displayName: 'Switchboard: a bot is failing'
    description: 'Deliveries to one bot failed (BotDeliveryFailed, BotUnreachable) at least the threshold times in 15 minutes. Runbook: README "Alerts".'
    severity: 2
    query: loadTextContent('../alerts/bot-failures.kql')
    measure: 'failures'
    dimension: 'bot'
    threshold: botFailureAlertCount - 1
    frequency: 'PT5M'
    window: 'PT15M'
  }
  {
    name: 'function-failures'
    displayName: 'Switchboard: functions are failing'
    description: 'Failed invocations (requests with success false) and exceptions of one function reached the threshold in 15 minutes. Runbook: README "Alerts".'
    severity: 1
    query: loadTextContent('../alerts/function-failures.kql')
    measure: 'failures'
    dimension: 'functionName'
    threshold: functionFailureAlertCount - 1
    frequency: 'PT5M'
    window: 'PT15M'
  }
  {
    name: 'sweep-repairs'
    displayName: 'Switchboard: the watchdog keeps repairing'
    description: 'The sweep repaired lost work (SweepRepaired) at least the threshold times in an hour. Runbook: README "Alerts".'
    severity: 3
    query: loadTextContent('../alerts/sweep-repairs.kql')
    measure: 'repairs'
    dimension: ''
    threshold: sweepRepairAlertCount - 1
    frequency: 'PT15M'
    window: 'PT1H'
  }
]

resource logAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [for alert in logAlerts: {
  name: 'switchboard-${alert.name}-${suffix}'
  location: location
  tags: tags
  properties: {
    displayName: alert.displayName
    description: alert.description
    severity: alert.severity
    enabled: true
    scopes: [
      appInsightsId
    ]
    evaluationFrequency: alert.frequency
    windowSize: alert.window
    criteria: {
      allOf: [
        {
          query: alert.query
          timeAggregation: 'Maximum'
          metricMeasureColumn: alert.measure
          dimensions: empty(alert.dimension) ? [] : [
            {
              name: alert.dimension
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: alert.threshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: actionGroupIds
    }
  }
}]

resource deadLetters 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'switchboard-dead-letters-${suffix}'
  location: 'global'
  tags: tags
  properties: {
    description: 'A Service Bus queue holds dead-lettered messages (DeadletteredMessages > 0): work that will not be retried. Read infra/alerts/dead-letters.kql. Runbook: README "Alerts".'
    severity: 2
    enabled: true
    scopes: [
      serviceBusNamespaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          name: 'DeadletteredMessages'
          criterionType: 'StaticThresholdCriterion'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: [
            {
              name: 'EntityName'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    autoMitigate: true
    actions: [for id in actionGroupIds: {
      actionGroupId: id
    }]
  }
}

output alertNames array = [for (alert, i) in logAlerts: logAlert[i].name]
