/**
 * The part of Web Chat's UMD bundle (window.WebChat, botframework-webchat 4.18.1) and of its Direct Line
 * client (botframework-directlinejs 0.15.5) this page uses, typed by hand: the package's own types
 * describe the npm modules, not the global, and pull in React's.
 */
import type { Activity } from './activity';

export type { Activity };

/** DLJS's ConnectionStatus, as numbers (faces.md A.6). */
export const ConnectionStatus = { Uninitialized: 0, Connecting: 1, Online: 2, ExpiredToken: 3, FailedToConnect: 4, Ended: 5 } as const;

export interface Subscription {
  unsubscribe(): void;
}

export interface DirectLine {
  /** The current token: DLJS replaces it after each refresh (every 15 minutes). */
  token?: string;
  connectionStatus$: { subscribe(next: (status: number) => void): Subscription };
  end(): void;
}

export interface DirectLineOptions {
  token: string;
  domain: string;
  webSocket: boolean;
  conversationId?: string;
  watermark?: string;
}

export interface StoreAction {
  type: string;
  payload?: { activity?: Activity; status?: number } & Record<string, unknown>;
  error?: boolean;
}

export type StoreMiddleware = (api: { dispatch(action: StoreAction): void }) => (next: (action: StoreAction) => unknown) => (action: StoreAction) => unknown;

/** A React 16 element (see reactElement.ts); Web Chat renders what its middleware returns. */
export type ReactNode = object | string | number | boolean | null | undefined;

export interface ActivityRenderArgs {
  activity: Activity;
}

/** `activityMiddleware`: `() => next => ({ activity }) => render | false`, render being `(renderAttachment, props) => node`. */
export type ActivityMiddleware = () => (next: (args: ActivityRenderArgs) => unknown) => (args: ActivityRenderArgs) => unknown;
/** `avatarMiddleware`: `() => next => ({ activity, fromUser }) => (() => node) | false`. */
export type AvatarMiddleware = () => (next: (args: { activity: Activity; fromUser: boolean }) => unknown) => (args: { activity: Activity; fromUser: boolean }) => unknown;
/** `activityStatusMiddleware`: `() => next => ({ activity, ... }) => node`. */
export type ActivityStatusMiddleware = () => (next: (args: { activity: Activity }) => ReactNode) => (args: { activity: Activity }) => ReactNode;

export interface ActivityGroups {
  sender: Activity[][];
  status: Activity[][];
}
/** `groupActivitiesMiddleware`: `() => next => ({ activities }) => ({ sender, status })`, plain data. */
export type GroupActivitiesMiddleware = () => (next: (args: { activities: Activity[] }) => ActivityGroups) => (args: { activities: Activity[] }) => ActivityGroups;

export interface WebChatGlobal {
  createDirectLine(options: DirectLineOptions): DirectLine;
  createStore(initialState: object, ...middleware: StoreMiddleware[]): object;
  renderWebChat(props: Record<string, unknown>, element: HTMLElement): void;
}

declare global {
  interface Window {
    WebChat?: WebChatGlobal;
  }
}
