import { useEffect, useState } from 'react';

/**
 * How many columns fit: `wide` shows the list, the conversation and the customer sidebar side by side;
 * `medium` puts the sidebar in a drawer; `narrow` (a phone) shows one of list or conversation at a time.
 */
export type Layout = 'wide' | 'medium' | 'narrow';

const WIDE = '(min-width: 1200px)';
const MEDIUM = '(min-width: 760px)';

function current(): Layout {
  if (window.matchMedia(WIDE).matches) return 'wide';
  return window.matchMedia(MEDIUM).matches ? 'medium' : 'narrow';
}

export function useLayout(): Layout {
  const [layout, setLayout] = useState<Layout>(current);
  useEffect(() => {
    const queries = [WIDE, MEDIUM].map((q) => window.matchMedia(q));
    const update = () => setLayout(current());
    for (const query of queries) query.addEventListener('change', update);
    return () => {
      for (const query of queries) query.removeEventListener('change', update);
    };
  }, []);
  return layout;
}
