import { fieldProblem, serverProblems, tokenRequest } from '../../pages/chat/prechatRules';
import type { PrechatField } from '../../pages/chat/siteApi';
import { siteFromPath } from '../../pages/chat/siteApi';
import { initials, senderKind } from '../../pages/chat/activity';

/** The chat page's pure parts: what the form checks and sends, and how it reads the server's answers. */
const email: PrechatField = { variable: 'CustomerEmail', label: 'Email', type: 'email', required: true };
const topic: PrechatField = { variable: 'Topic', label: 'Topic', type: 'choice', required: true, options: ['Credit card', 'Home loan'] };
const account: PrechatField = { variable: 'AccountNumber', label: 'Account', type: 'number', required: false };
const phone: PrechatField = { variable: 'Phone', label: 'Phone', type: 'phone', required: false };

test.each([
  [email, '', 'This field is required.'],
  [email, '   ', 'This field is required.'],
  [email, 'sam@example', 'Enter an email address, like name@example.com.'],
  [email, 'sam@example.com', undefined],
  [topic, 'Credit card', undefined],
  [topic, 'Something else', 'Choose one of the options.'],
  [account, '', undefined],
  [account, '42', undefined],
  [account, '-4.5', undefined],
  [account, '4e5', 'Enter a number, like 42.'],
  [phone, '+44 (20) 7946-0958', undefined],
  [phone, '12', 'Enter a phone number: digits, spaces and + ( ) - only.'],
  [phone, 'call me', 'Enter a phone number: digits, spaces and + ( ) - only.'],
  [{ ...account, type: 'text' as const }, 'x'.repeat(4001), 'Keep it under 4,000 characters.'],
])('%j answered %j: %j', (field, value, problem) => {
  expect(fieldProblem(field, value)).toBe(problem);
});

test('the token request: numbers as numbers, empty optional answers left out, the name when given', () => {
  const values = new Map([['name', ' Sam '], ['CustomerEmail', 'sam@example.com'], ['Topic', 'Home loan'], ['AccountNumber', '42'], ['Phone', '']]);
  expect(tokenRequest([email, topic, account, phone], values, 'en-GB')).toEqual({
    name: 'Sam',
    locale: 'en-GB',
    context: { CustomerEmail: 'sam@example.com', Topic: 'Home loan', AccountNumber: 42 },
  });
  expect(tokenRequest([account], new Map([['name', '']]), 'en-US')).toEqual({ locale: 'en-US' });
});

test("the server's 400 goes to the field it names, the rest to the top of the form", () => {
  const { byField, general } = serverProblems('context.CustomerEmail: the domain does not accept mail; name: too long; context.Unknown: x; body: bad', [email, topic]);
  expect(Object.fromEntries(byField)).toEqual({ CustomerEmail: 'The domain does not accept mail.', name: 'Too long.' });
  expect(general).toEqual(['Context.Unknown: x.', 'Body: bad.']);
});

test.each([
  ['/chat', undefined], ['/chat/', undefined], ['/chat/contoso', 'contoso'], ['/chat/contoso/', 'contoso'], ['/chat/caf%C3%A9', 'café'], ['/chat/%E0%A4', '%E0%A4'],
])('the site of %j is %j', (path, site) => {
  expect(siteFromPath(path)).toBe(site);
});

test('who is speaking: the customer, Switchboard, an agent or the bot; initials for avatars', () => {
  expect(senderKind({ type: 'message', from: { role: 'user' } })).toBeUndefined();
  expect(senderKind({ type: 'message', from: { role: 'bot' }, channelData: { switchboard: { kind: 'system' } } })).toBe('system');
  expect(senderKind({ type: 'message', from: { role: 'bot' }, channelData: { switchboard: { kind: 'agent' } } })).toBe('agent');
  expect(senderKind({ type: 'message', from: { role: 'bot' } })).toBe('bot');
  expect([initials('Alice Martin'), initials('grace'), initials('Jean-Luc de la Tour'), initials(''), initials('  ')]).toEqual(['AM', 'G', 'JT', '?', '?']);
});
