import { eventually, sampleConfig, startTestHost } from '../support/localHostHarness';

/**
 * Agents in Azure sign in with Entra ID through App Service authentication, which injects the
 * principal headers (and strips forged ones); the configuration maps the principal to an agent.
 */
function principalHeader(claims: Record<string, string>): string {
  const principal = { auth_typ: 'aad', name_typ: 'name', role_typ: 'roles', claims: Object.entries(claims).map(([typ, val]) => ({ typ, val })) };
  return Buffer.from(JSON.stringify(principal)).toString('base64');
}

const config = sampleConfig((c) => {
  for (const user of c.users) if (user.kind === 'agent') user.principal = `${user.id}@contoso.example`;
});

test('behind App Service authentication the signed-in principal is the agent, and tokens can be turned off', async () => {
  const host = await startTestHost({ config, agentAuthentication: { tokens: false, appServicePrincipal: true } });
  const { api } = host;
  try {
    const asAlice = { 'x-ms-client-principal': principalHeader({ preferred_username: 'ALICE@contoso.example', oid: '0000-alice' }) };
    const mine = await api.call('GET', 'agents/alice/conversations', { headers: asAlice });
    expect(mine).toEqual({ status: 200, body: { conversations: [] } });
    const theirs = await api.call('GET', 'agents/bob/conversations', { headers: asAlice });
    expect(theirs.status).toBe(403);
    expect(theirs.body.error.message).toBe('signed in as agent alice, not bob');
    const stranger = await api.call('GET', 'agents/alice/conversations', { headers: { 'x-ms-client-principal-name': 'mallory@contoso.example' } });
    expect(stranger.status).toBe(403);
    expect(stranger.body.error.message).toContain('mallory@contoso.example, who is no agent');
    const token = await api.call('GET', 'agents/alice/conversations', { token: 'dev-alice' });
    expect(token.status).toBe(401);
    expect(token.body.error.message).toBe('authentication is required: sign in with Entra ID');

    // The whole agent flow works signed in: presence, then a chat escalated to the signed-in agent.
    const asCarol = { 'x-ms-client-principal': principalHeader({ upn: 'carol@contoso.example' }) };
    for (const agent of ['dave']) await api.call('PUT', `agents/${agent}/presence`, { body: { presence: 'Offline' }, headers: { 'x-ms-client-principal-name': `${agent}@contoso.example` } });
    expect((await api.call('PUT', 'agents/carol/presence', { body: { presence: 'Available' }, headers: asCarol })).status).toBe(200);
    const chat = await api.startChat();
    await eventually('the greeting', async () => ((await api.messages(chat)).body.messages.some((m) => m.role === 'bot') ? true : undefined));
    await api.say(chat, 'home loan');
    await eventually('carol gets the chat', async () => ((await api.conversation(chat.conversationId)).body.assignee?.id === 'carol' ? true : undefined));
    const end = await api.call('POST', `agents/carol/conversations/${chat.conversationId}/end`, { headers: asCarol });
    expect(end.body).toEqual({ status: 'WrapUp' });
  } finally {
    await host.close();
  }
});

test('outside App Service a principal header is not trusted: only the development token counts', async () => {
  const host = await startTestHost({ config });
  try {
    const forged = await host.api.call('GET', 'agents/alice/conversations', { headers: { 'x-ms-client-principal-name': 'alice@contoso.example' } });
    expect(forged.status).toBe(401);
    expect((await host.api.call('GET', 'agents/alice/conversations', { token: 'dev-alice' })).status).toBe(200);
  } finally {
    await host.close();
  }
});
