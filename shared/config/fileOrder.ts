/**
 * Configuration problems in the order a person reads the file. Each problem starts with the path
 * of the place it is about (`workstreams[0].rules[2].when.operator: ...`); problems sort by that
 * place: a problem about a value before the problems inside it, siblings as the file has them
 * (list items by index, keys as written). A key the file lacks (a required one) sorts first among
 * its siblings. The sort is stable, so problems about the same place keep their order.
 */

/** The path a problem starts with: `workstreams[0].fallbackQueue`, or `(top level)`. */
export function problemPath(problem: string): string {
  const end = problem.indexOf(': ');
  return end < 0 ? problem : problem.slice(0, end);
}

export function inFileOrder(problems: readonly string[], data: unknown): string[] {
  const keyOrders = new WeakMap<object, Map<string, number>>();
  return problems
    .map((problem) => ({ problem, place: placeOf(problemPath(problem), data, keyOrders) }))
    .sort((a, b) => compare(a.place, b.place))
    .map(({ problem }) => problem);
}

/** Where a path is, as one rank per step: the item's index, or the key's position among its siblings (-1: not there). */
function placeOf(path: string, data: unknown, keyOrders: WeakMap<object, Map<string, number>>): number[] {
  const place: number[] = [];
  let node = data;
  for (const [, index, key] of path === '(top level)' ? [] : path.matchAll(/\[(\d+)\]|([^.[\]]+)/g)) {
    if (index !== undefined) {
      place.push(Number(index));
      node = Array.isArray(node) ? node[Number(index)] : undefined;
    } else if (key !== undefined && typeof node === 'object' && node !== null && Object.hasOwn(node, key)) {
      place.push(keyOrderOf(node, keyOrders).get(key) ?? -1);
      node = (node as Record<string, unknown>)[key];
    } else {
      place.push(-1);
      node = undefined;
    }
  }
  return place;
}

/** Each object's keys are ranked once: a map of 50,000 keys is not searched once per problem. */
function keyOrderOf(node: object, keyOrders: WeakMap<object, Map<string, number>>): Map<string, number> {
  let order = keyOrders.get(node);
  if (!order) {
    order = new Map(Object.keys(node).map((key, rank) => [key, rank]));
    keyOrders.set(node, order);
  }
  return order;
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
