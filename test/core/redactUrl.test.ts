import { runInNewContext } from 'node:vm';
import { redactUrl, redactUrls } from '../../shared/core/redactUrl';

describe('redactUrl: no query string, fragment or credentials in what is printed', () => {
  test.each([
    ['https://bot.example.com/api/messages?code=SECRET123', 'https://bot.example.com/api/messages?***'],
    ['https://bot.example.com/api/messages?code=SECRET123#frag', 'https://bot.example.com/api/messages?***'],
    ['http://user:pw@127.0.0.1:3978/api/messages', 'http://***@127.0.0.1:3978/api/messages'],
    ['http://user:p@ss@host/x?k=v', 'http://***@host/x?***'],
    ['http://token@host', 'http://***@host'],
    ['https://host:443/path#secret', 'https://host:443/path#***'],
    ['https://host/a@b/c', 'https://host/a@b/c'], // an '@' in the path is no credential
    ['https://bot.example.com/api/messages', 'https://bot.example.com/api/messages'],
    ['/api/demo-bot/messages?code=x', '/api/demo-bot/messages?***'],
  ])('%s -> %s', (url, printed) => {
    expect(redactUrl(url)).toBe(printed);
  });

  test('redactUrls redacts every URL in a text and leaves the rest', () => {
    const text = 'POST to bot "b" at http://u:SECRET@h:1/api?code=KEY failed: Request cannot be constructed from a URL that includes credentials: http://u:SECRET@h:1/api?code=KEY';
    expect(redactUrls(text)).toBe('POST to bot "b" at http://***@h:1/api?*** failed: Request cannot be constructed from a URL that includes credentials: http://***@h:1/api?***');
    expect(redactUrls('connect ECONNREFUSED 127.0.0.1:3979')).toBe('connect ECONNREFUSED 127.0.0.1:3979');
  });

  test('a long text of dotted words without a URL is read in one pass (it was quadratic: 5 s for 100,000 characters)', () => {
    // Under vm's watchdog, which stops the call (and fails the test) after a limit far above what one pass takes.
    const text = 'a.'.repeat(50_000);
    expect(runInNewContext('redactUrls(text)', { redactUrls, text }, { timeout: 1_000 })).toBe(text);
  });
});
