import type { PrechatField, TokenRequest } from './siteApi';

/**
 * What the pre-chat form checks before it asks for a chat: the same rules the server applies
 * (required, type, the 4,000-character limit of a context value), so most answers are fixed by the
 * field before a round trip. The server stays the judge; its 400 is shown by the field it names.
 */
export const MAX_VALUE_LENGTH = 4000;
export const NAME_FIELD = 'name';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[\d\s().-]+$/;
const NUMBER = /^-?\d+(\.\d+)?$/;

/** Why `value` is not an answer to `field`, or undefined when it is. */
export function fieldProblem(field: PrechatField, value: string): string | undefined {
  const answer = value.trim();
  if (answer === '') return field.required ? 'This field is required.' : undefined;
  if (answer.length > MAX_VALUE_LENGTH) return `Keep it under ${MAX_VALUE_LENGTH.toLocaleString('en')} characters.`;
  switch (field.type) {
    case 'email':
      return EMAIL.test(answer) ? undefined : 'Enter an email address, like name@example.com.';
    case 'phone':
      return PHONE.test(answer) && answer.replace(/\D/g, '').length >= 6 ? undefined : 'Enter a phone number: digits, spaces and + ( ) - only.';
    case 'number':
      return NUMBER.test(answer) && Number.isFinite(Number(answer)) ? undefined : 'Enter a number, like 42.';
    case 'choice':
      return field.options?.includes(answer) ? undefined : 'Choose one of the options.';
    case 'text':
      return undefined;
  }
}

/** The token request for the answers: number fields as numbers, empty optional ones left out. */
export function tokenRequest(fields: readonly PrechatField[], values: ReadonlyMap<string, string>, locale: string): TokenRequest {
  const context: Record<string, string | number> = {};
  for (const field of fields) {
    const answer = values.get(field.variable)?.trim() ?? '';
    if (answer !== '') context[field.variable] = field.type === 'number' ? Number(answer) : answer;
  }
  const name = values.get(NAME_FIELD)?.trim();
  return { ...(name && { name }), locale, ...(Object.keys(context).length > 0 && { context }) };
}

/**
 * The server's 400 message split by field: `context.<variable>: ...` and `name: ...` go to that field,
 * anything else to the top of the form. Problems are joined with "; " (shared/http/edge.ts).
 */
export function serverProblems(message: string, fields: readonly PrechatField[]): { byField: Map<string, string>; general: string[] } {
  const byField = new Map<string, string>();
  const general: string[] = [];
  const known = new Set([NAME_FIELD, ...fields.map((f) => f.variable)]);
  for (const problem of message.split('; ')) {
    const match = /^(?:context\.([^:]+)|(name)): (.*)$/s.exec(problem);
    const field = match?.[1] ?? match?.[2];
    if (field !== undefined && known.has(field) && !byField.has(field)) byField.set(field, sentence(match?.[3] ?? problem));
    else general.push(sentence(problem));
  }
  return { byField, general };
}

function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
