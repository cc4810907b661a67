import type { ReactNode } from './webChatTypes';

/**
 * Web Chat's middleware returns React elements, and the UMD bundle keeps its React 16.8.6 to itself
 * (it would take window.React, but a global React of another version breaks it: faces.md B.1). An
 * element is plain data, `{ $$typeof: Symbol.for('react.element'), type, props }`, which is what JSX
 * compiles to; this page makes the few it needs that way, host elements only (div, span), so no React
 * is loaded twice. test/browser/chatJourney.test.ts looks for a rendered notice, so a Web Chat upgrade
 * that changes this fails there.
 */
const REACT_ELEMENT = Symbol.for('react.element');

export function h(type: string, props: Record<string, unknown> | null, ...children: ReactNode[]): object {
  const list = children.filter((child) => child !== null && child !== undefined && child !== false);
  return {
    $$typeof: REACT_ELEMENT,
    type,
    key: null,
    ref: null,
    props: { ...props, children: list.length <= 1 ? list[0] : list },
    _owner: null,
  };
}
