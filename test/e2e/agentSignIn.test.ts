import { eventually, sampleConfig, startTestHost } from '../support/localHostHarness';

/**
 * Agents in Azure sign in with Entra ID through App Service authentication, which injects the
 * principal header (and strips forged ones); the configuration maps the principal's immutable object
 * id (`oid`), in the configured tenant (`tid`), to an agent. Names and emails are mutable: never trusted.
 */
function principalHeader(claims: Record<string, string>): string {
  const principal = { auth_typ: 'aad', name_typ: 'name', role_typ: 'roles', claims: Object.entries(claims).map(([typ, val]) => ({ typ, val })) };
  return Buffer.from(JSON.stringify(principal)).toString('base64');
}

const TENANT = '7a1b2c3d-0000-4000-8000-00000000c0de';
const OTHER_TENANT = '7a1b2c3d-0000-4000-8000-0000000bad00';
const OIDS: Record<string, string> = {
  alice: '11111111-1111-4111-8111-111111111111',
  bob: '22222222-2222-4222-8222-222222222222',
  carol: '33333333-3333-4333-8333-333333333333',
  dave: '44444444-4444-4444-8444-444444444444',
};
const OID_CLAIM = 'http://schemas.microsoft.com/identity/claims/objectidentifier';
const TID_CLAIM = 'http://schemas.microsoft.com/identity/claims/tenantid';
const signedIn = (claims: Record<string, string>) => ({ 'x-ms-client-principal': principalHeader(claims) });
const as = (agent: string) => signedIn({ [OID_CLAIM]: OIDS[agent]!, [TID_CLAIM]: TENANT, name: agent });

const config = sampleConfig((c) => {
  for (const user of c.users) if (user.kind === 'agent') user.principal = OIDS[user.id];
});
const agentAuthentication = { tokens: false, appServicePrincipal: true, tenantId: TENANT };

test('behind App Service authentication the signed-in object id is the agent, and tokens can be turned off', async () => {
  const host = await startTestHost({ config, agentAuthentication });
  const { api } = host;
  try {
    const mine = await api.call('GET', 'agents/alice/conversations', { headers: as('alice') });
    expect(mine).toEqual({ status: 200, body: { conversations: [] } });
    // The short claim names (oid, tid) count as well, and a GUID compares case-insensitively.
    const short = await api.call('GET', 'agents/alice/conversations', { headers: signedIn({ oid: OIDS.alice!.toUpperCase(), tid: TENANT }) });
    expect(short.status).toBe(200);
    const theirs = await api.call('GET', 'agents/bob/conversations', { headers: as('alice') });
    expect(theirs.status).toBe(403);
    expect(theirs.body.error.message).toBe('signed in as agent alice, not bob');
    const token = await api.call('GET', 'agents/alice/conversations', { token: 'dev-alice' });
    expect(token.status).toBe(401);
    expect(token.body.error.message).toBe('authentication is required: sign in with Entra ID');

    // The whole agent flow works signed in: presence, then a chat escalated to the signed-in agent.
    for (const agent of ['dave']) await api.call('PUT', `agents/${agent}/presence`, { body: { presence: 'Offline' }, headers: as(agent) });
    expect((await api.call('PUT', 'agents/carol/presence', { body: { presence: 'Available' }, headers: as('carol') })).status).toBe(200);
    const chat = await api.startChat();
    await eventually('the greeting', async () => ((await api.messages(chat)).body.messages.some((m) => m.role === 'bot') ? true : undefined));
    await api.say(chat, 'home loan');
    await eventually('carol gets the chat', async () => ((await api.conversation(chat.conversationId)).body.assignee?.id === 'carol' ? true : undefined));
    const end = await api.call('POST', `agents/carol/conversations/${chat.conversationId}/end`, { headers: as('carol') });
    expect(end.body).toEqual({ status: 'WrapUp' });
  } finally {
    await host.close();
  }
});

test('names, emails and UPNs are mutable: only the object id in the configured tenant signs an agent in', async () => {
  const host = await startTestHost({ config, agentAuthentication });
  const { api } = host;
  const mallory = '99999999-9999-4999-8999-999999999999';
  try {
    const refused = async (headers: Record<string, string>, message: string) => {
      const presence = await api.call('PUT', 'agents/alice/presence', { body: { presence: 'Offline' }, headers });
      expect({ status: presence.status, message: presence.body.error?.message }).toEqual({ status: 403, message });
      const list = await api.call('GET', 'agents/alice/conversations', { headers });
      expect({ status: list.status, message: list.body.error?.message }).toEqual({ status: 403, message });
    };
    // Mallory, a user (or guest) of the tenant, names herself after alice's object id in every mutable claim.
    const pretender = OIDS.alice!;
    await refused(signedIn({
      [OID_CLAIM]: mallory, [TID_CLAIM]: TENANT, name: pretender, email: pretender, preferred_username: pretender, upn: pretender,
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn': pretender,
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': pretender,
    }), `signed in as object id ${mallory}, who is no agent in the configuration (users[].principal)`);
    // The platform's name and id headers alone prove nothing.
    await refused({ 'x-ms-client-principal-name': pretender, 'x-ms-client-principal-id': pretender }, 'the sign-in carries no object id (oid) and tenant (tid) claims');
    // The right object id, from another tenant or with no tenant.
    await refused(signedIn({ [OID_CLAIM]: OIDS.alice!, [TID_CLAIM]: OTHER_TENANT }), `signed in to tenant ${OTHER_TENANT}, not the agents' tenant (SWITCHBOARD_AGENT_TENANT_ID)`);
    await refused(signedIn({ [OID_CLAIM]: OIDS.alice! }), 'the sign-in carries no object id (oid) and tenant (tid) claims');
    await refused(signedIn({ [TID_CLAIM]: TENANT, name: 'alice' }), 'the sign-in carries no object id (oid) and tenant (tid) claims');
    // Nothing changed: alice is still Available.
    expect((await host.services.agents.get('alice'))?.value.presence ?? 'Available').toBe('Available');
    // The right object id and tenant pass.
    expect((await api.call('GET', 'agents/alice/conversations', { headers: signedIn({ [OID_CLAIM]: OIDS.alice!, [TID_CLAIM]: TENANT }) })).status).toBe(200);
  } finally {
    await host.close();
  }
});

test('outside App Service a principal header is not trusted: only the development token counts', async () => {
  const host = await startTestHost({ config });
  try {
    const forged = await host.api.call('GET', 'agents/alice/conversations', { headers: as('alice') });
    expect(forged.status).toBe(401);
    expect((await host.api.call('GET', 'agents/alice/conversations', { token: 'dev-alice' })).status).toBe(200);
  } finally {
    await host.close();
  }
});
