// Log Analytics workspace + workspace-based Application Insights. Local authentication is off: only
// Entra ID sends. The Functions host and the app send with the identity
// (APPLICATIONINSIGHTS_AUTHENTICATION_STRING), which holds Monitoring Metrics Publisher. The connection
// string is no output: the Function App reads it from the resource, so no deployment record holds it.
param logAnalyticsName string
param appInsightsName string
param location string
param tags object
@description('Principal id of the Function App identity')
param principalId string

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

resource publisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, principalId, monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// The bot insights and queue KPI queries (infra/insights/bot-insights.kql), as a shared workbook on
// the Application Insights resource: Monitor > Workbooks, or the resource's Workbooks blade.
resource botInsights 'Microsoft.Insights/workbooks@2022-04-01' = {
  name: guid(appInsights.id, 'switchboard-bot-insights')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'Switchboard: bot insights and queue KPIs'
    category: 'workbook'
    sourceId: appInsights.id
    serializedData: loadTextContent('../insights/workbook.json')
  }
}

output name string = appInsights.name
output id string = appInsights.id
