/**
 * Guards for parsed server JSON. `JSON.parse` reads any depth, but the
 * recursive code after it (our normalisers, `JSON.stringify`, Node-RED's msg
 * cloning, the Debug sidebar) overflows the stack on a deeply nested value,
 * which would surface as an unexplained internal error.
 */

/** Deeper than any answer either platform documents; deeper answers are refused. */
export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests arrays/objects deeper than `max`. */
export function nestsDeeperThan(value: unknown, max = MAX_JSON_DEPTH): boolean {
  return deeper(value, 1, max);
}

// Runs on every answer, so it allocates nothing; it descends at most `max` levels, so however deep
// the value nests, the recursion cannot overflow the stack.
function deeper(value: unknown, depth: number, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (depth > max) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (deeper(value[i], depth + 1, max)) return true;
    return false;
  }
  const object = value as Record<string, unknown>;
  for (const key in object) if (Object.hasOwn(object, key) && deeper(object[key], depth + 1, max)) return true;
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
