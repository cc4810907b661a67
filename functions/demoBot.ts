import { inAzureHost, registerHttp } from '../shared/host/registry';
import { demoBotInAzure } from '../shared/host/azure/azureSettings';
import { demoBotMessages } from '../shared/demo-bot/demoBotHttp';

// Unauthenticated: the local host serves it; in Azure only when an operator opts in (SWITCHBOARD_DEMO_BOT=true, unsafe).
if (!inAzureHost() || demoBotInAzure(process.env)) {
  registerHttp({ name: 'demoBotMessages', methods: ['POST'], route: 'demo-bot/messages', handler: demoBotMessages });
}
