import { ApiError, WorkspaceApi } from '../../pages/workspace/api';
import { startTestHost, type TestHost } from '../support/localHostHarness';

/**
 * The pages' API client over real HTTP against the local host, on the routes that exist today: typed
 * answers, and every refusal an ApiError with the server's status, code and message (the screens branch
 * on the code). It runs in Node (fetch is the same API as the browser's).
 */
let host: TestHost;

beforeAll(async () => {
  host = await startTestHost();
});
afterAll(() => host.close());

const as = (token: string) => new WorkspaceApi({ kind: 'token', token }, host.baseUrl);

async function refusal(call: Promise<unknown>): Promise<Pick<ApiError, 'status' | 'code' | 'message'>> {
  const error = await call.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return { status: error.status, code: error.code, message: error.message };
}

test('answers come back typed: a presence change, no offers, no chats', async () => {
  const alice = as('dev-alice');
  expect(await alice.replacePresence('alice', 'Busy')).toEqual({ presence: 'Busy' });
  expect(await alice.listOffers('alice')).toEqual([]);
  expect(await alice.listConversations('alice')).toEqual([]);
  await alice.replacePresence('alice', 'Available');
});

test("refusals carry the server's status, code and message", async () => {
  expect(await refusal(as('not-a-token').listOffers('alice'))).toMatchObject({ status: 401, code: 'Unauthorized', message: 'the bearer token is not a known agent token' });
  expect(await refusal(as('dev-bob').listOffers('alice'))).toMatchObject({ status: 403, code: 'Forbidden', message: 'the token belongs to agent bob, not alice' });
  expect(await refusal(as('dev-alice').acceptOffer('alice', 'no-such-chat'))).toMatchObject({ status: 404, code: 'NotFound' });
  expect(await refusal(as('dev-alice').replacePresence('alice', 'Sleeping' as never))).toMatchObject({ status: 400, code: 'InvalidBody' });
});

test('a chat that is not yours: a message and an end are refused; a transfer to a queue that does not exist is bad input', async () => {
  const chat = await host.api.startChat({});
  const alice = as('dev-alice');
  expect((await refusal(alice.createMessage('alice', chat.conversationId, { text: 'hi' }))).status).toBe(403);
  expect((await refusal(alice.endConversation('alice', chat.conversationId))).code).toBe('Forbidden');
  expect((await refusal(alice.transferConversation('alice', chat.conversationId, 'NoSuchQueue'))).code).toBe('InvalidBody');
});

test('a host that cannot be reached is a NetworkError, not a crash', async () => {
  const gone = new WorkspaceApi({ kind: 'token', token: 'dev-alice' }, 'http://127.0.0.1:9');
  expect(await refusal(gone.listOffers('alice'))).toMatchObject({ status: 0, code: 'NetworkError' });
});
