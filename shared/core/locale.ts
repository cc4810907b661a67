/** The canonical form of a BCP-47 language tag (`en-us` → `en-US`), or undefined when it is not one. */
export function canonicalLocale(tag: string): string | undefined {
  if (tag.length === 0 || tag.length > 35) return undefined;
  try {
    const [canonical, ...more] = Intl.getCanonicalLocales(tag);
    return more.length === 0 ? canonical : undefined;
  } catch {
    return undefined;
  }
}
