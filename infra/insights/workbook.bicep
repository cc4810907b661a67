// The Switchboard bot insights / queue KPI workbook, on the Application Insights resource.
// workbook.json is generated from kpis.kql and bot-insights.kql (npm run insights:workbook).
// Wire it from main.bicep, after the monitoring module:
//   module insightsWorkbook 'insights/workbook.bicep' = {
//     name: 'insightsWorkbook'
//     params: {
//       location: location
//       tags: tags
//       appInsightsId: resourceId('Microsoft.Insights/components', monitoring.outputs.name)
//     }
//   }
// Not compiled here (no Bicep CLI on these machines): CI's `az bicep build` / `azd provision` checks it.
param location string
param tags object = {}
@description('Resource id of the Application Insights component the queries run against')
param appInsightsId string
param displayName string = 'Switchboard bot insights and queue KPIs'

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, appInsightsId, 'switchboard-bot-insights')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: appInsightsId
    serializedData: loadTextContent('workbook.json')
  }
}

output id string = workbook.id
