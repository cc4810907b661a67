import { HttpRequest, InvocationContext } from '@azure/functions';
import { edge } from '../../shared/http/edge';

/**
 * Issue 11, finding 8: in Azure a request's URL carries the function key (`?code=...`). A 500 is logged
 * with the method and the path only, never the query string.
 */
test('a 500 logs the method and the path, not the query string with its function key', async () => {
  const logged: unknown[][] = [];
  const context = new InvocationContext({ functionName: 'conversationGet', logHandler: (level, ...args) => void logged.push([level, ...args]) });
  const request = new HttpRequest({ method: 'GET', url: 'https://func-x.azurewebsites.net/api/conversations/c-1?code=FUNCTIONKEY123&other=1' });
  const failing = edge(async () => {
    throw new Error('the store is down');
  });

  const response = await failing(request, context);

  expect(response).toEqual({ status: 500, jsonBody: { error: { code: 'InternalError', message: 'the request failed; it is safe to retry' } } });
  expect(logged).toEqual([['error', 'GET /api/conversations/c-1 failed', expect.objectContaining({ message: 'the store is down' })]]);
  expect(JSON.stringify(logged)).not.toContain('FUNCTIONKEY123');
});
