/**
 * Guards for parsed server JSON. `JSON.parse` reads any depth, but the
 * recursive code after it (our normalisers, `JSON.stringify`, Node-RED's msg
 * cloning, the Debug sidebar) overflows the stack on a deeply nested value,
 * which would surface as an unexplained internal error.
 */

/** Deeper than any answer either platform documents; deeper answers are refused. */
export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests arrays/objects deeper than `max`. Iterative, so it cannot overflow the stack itself. */
export function nestsDeeperThan(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** A few words about a server value that is not what was expected, never the value itself (it may be huge, deep or secret). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value).slice(0, 24)}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}
