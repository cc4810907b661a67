// Log Analytics workspace + workspace-based Application Insights. The Functions host sends with the
// identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING), so it needs Monitoring Metrics Publisher.
param logAnalyticsName string
param appInsightsName string
param location string
param tags object
@description('Principal id of the Function App identity')
param principalId string
@description('Refuse ingestion by instrumentation key: only Entra ID (the identity) can send')
param disableLocalAuth bool

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
    DisableLocalAuth: disableLocalAuth
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

output connectionString string = appInsights.properties.ConnectionString
output name string = appInsights.name
