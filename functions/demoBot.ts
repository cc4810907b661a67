import { registerHttp } from '../shared/host/registry';
import { demoBotMessages } from '../shared/demo-bot/demoBotHttp';

registerHttp({ name: 'demoBotMessages', methods: ['POST'], route: 'demo-bot/messages', handler: demoBotMessages });
