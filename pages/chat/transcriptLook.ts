import { initials, senderKind, type Activity } from './activity';
import { h } from './reactElement';
import type { ActivityMiddleware, ActivityStatusMiddleware, AvatarMiddleware, GroupActivitiesMiddleware } from './webChatTypes';

/**
 * Who is speaking, through Web Chat's documented middleware: Switchboard's own notices (queue position,
 * "Alice joined", the end) as centred notices rather than bubbles; agents and the bot with their
 * initials as avatar and their name beside the time. Everything the customer sees stays an activity.
 */

/** The same speaker: Web Chat groups by role alone, and the bot, each agent and the notices are all role bot. */
function sameSpeaker(x: Activity, y: Activity): boolean {
  return x.from?.role === y.from?.role && x.from?.id === y.from?.id && senderKind(x) === senderKind(y);
}

function split<T>(items: readonly T[], together: (last: T, next: T) => boolean): T[][] {
  const groups: T[][] = [];
  for (const item of items) {
    const last = groups[groups.length - 1];
    if (last && together(last[last.length - 1] as T, item)) last.push(item);
    else groups.push([item]);
  }
  return groups;
}

/** Each speaker's run of messages gets its own avatar and its own name and time (Web Chat's groups, split by speaker). */
export const groupBySpeaker: GroupActivitiesMiddleware = () => (next) => (args) => {
  const groups = next(args);
  return { sender: split(args.activities, sameSpeaker), status: groups.status.flatMap((group) => split(group, sameSpeaker)) };
};

export const systemNotices: ActivityMiddleware = () => (next) => (args) => {
  const { activity } = args;
  // The end has the page's own panel; without this Web Chat logs "No renderer" for it.
  if (activity.type === 'endOfConversation') return false;
  if (activity.type !== 'message' || senderKind(activity) !== 'system' || !activity.text) return next(args);
  return () => h('div', { className: 'sb-notice', 'data-kind': 'system' }, h('span', { className: 'sb-notice__text' }, activity.text));
};

export const senderAvatars: AvatarMiddleware = () => (next) => (args) => {
  const kind = senderKind(args.activity);
  if (args.fromUser || kind === undefined) return next(args);
  const name = args.activity.from?.name;
  return () => h('div', { className: `sb-avatar sb-avatar--${kind}`, title: name ?? '', 'aria-hidden': 'true' }, initials(name));
};

export const senderNames: ActivityStatusMiddleware = () => (next) => (args) => {
  const status = next(args);
  const kind = senderKind(args.activity);
  if (kind === undefined || kind === 'system') return status;
  const name = args.activity.from?.name || (kind === 'agent' ? 'Agent' : 'Bot');
  return h('span', { className: 'sb-status' }, h('span', { className: `sb-status__name sb-status__name--${kind}` }, name), status);
};
