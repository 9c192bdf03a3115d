import { ConfigError } from '../shared/errors';

/** What a filter looks at in one record (from the standard fields Severity, Active, Acked and Message). */
export interface FilterView {
  severity?: unknown;
  active?: unknown;
  acked?: unknown;
  text?: unknown;
}

export type StateFilter = 'any' | 'yes' | 'no';

export interface EventFilterOptions {
  /**
   * Inclusive bounds: a number, or its text as the editor stores it (blank = no bound). A record without a
   * numeric severity fails a set bound.
   */
  severityMin?: number | string;
  severityMax?: number | string;
  active?: StateFilter;
  acked?: StateFilter;
  /** Empty = no text filter. */
  text?: string;
  textMode?: 'contains' | 'regex';
}

/** Longest pattern accepted, and the longest text a pattern is tried on. */
export const MAX_PATTERN = 200;
export const MAX_TEXT = 2000;

/**
 * Client-side filter of `scada-events` (the runtime's own filter syntax is
 * not documented). `contains` is a case-insensitive substring. A regular
 * expression is refused when it could backtrack without bound (a quantified
 * group that itself holds a quantifier, or a back-reference) and only the
 * first MAX_TEXT characters are tested, so each test stays bounded.
 */
export class EventFilter {
  private readonly test: ((text: string) => boolean) | undefined;
  private readonly severityMin: number | undefined;
  private readonly severityMax: number | undefined;

  constructor(private readonly options: EventFilterOptions) {
    const severityMin = severityBound(options.severityMin, 'lowest');
    const severityMax = severityBound(options.severityMax, 'highest');
    if (severityMin !== undefined && severityMax !== undefined && severityMin > severityMax) throw new ConfigError('the lowest severity is above the highest');
    this.severityMin = severityMin;
    this.severityMax = severityMax;
    const text = options.text ?? '';
    if (text === '') return;
    if (options.textMode === 'regex') {
      const re = compileBounded(text);
      this.test = (t) => re.test(t.slice(0, MAX_TEXT));
    } else {
      const needle = text.toLowerCase();
      this.test = (t) => t.toLowerCase().includes(needle);
    }
  }

  /** True when nothing is filtered out. */
  get passesAll(): boolean {
    const o = this.options;
    return this.severityMin === undefined && this.severityMax === undefined && (o.active ?? 'any') === 'any' && (o.acked ?? 'any') === 'any' && this.test === undefined;
  }

  accepts(view: FilterView): boolean {
    const o = this.options;
    const { severityMin, severityMax } = this;
    if (severityMin !== undefined || severityMax !== undefined) {
      const s = typeof view.severity === 'number' ? view.severity : typeof view.severity === 'string' && view.severity.trim() !== '' ? Number(view.severity) : NaN;
      if (!Number.isFinite(s)) return false;
      if (severityMin !== undefined && s < severityMin) return false;
      if (severityMax !== undefined && s > severityMax) return false;
    }
    if (!stateMatches(o.active, view.active)) return false;
    if (!stateMatches(o.acked, view.acked)) return false;
    if (this.test && !this.test(typeof view.text === 'string' ? view.text : view.text === undefined || view.text === null ? '' : String(view.text))) return false;
    return true;
  }
}

/** A severity bound as a number; undefined when none is set; a ConfigError when it is not a number. */
function severityBound(value: unknown, which: 'lowest' | 'highest'): number | undefined {
  if (value === undefined || value === null || String(value).trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ConfigError(`the ${which} severity must be a number`);
  return n;
}

function stateMatches(want: StateFilter | undefined, value: unknown): boolean {
  if (want === undefined || want === 'any') return true;
  const on = value === true || value === 1 || value === 'true' || value === '1';
  return want === 'yes' ? on : !on && value !== undefined && value !== null;
}

/** Compile `pattern`, refusing what could backtrack without bound. */
export function compileBounded(pattern: string): RegExp {
  if (pattern.length > MAX_PATTERN) throw new ConfigError(`the text pattern is longer than ${MAX_PATTERN} characters`);
  if (/\\[1-9]|\\k</.test(pattern)) throw new ConfigError('the text pattern may not use back-references');
  if (hasNestedQuantifier(pattern)) throw new ConfigError('the text pattern repeats a group that repeats (it could run for ever): simplify it');
  try {
    return new RegExp(pattern, 'i');
  } catch (err) {
    throw new ConfigError(`the text pattern is not a regular expression: ${(err as Error).message}`);
  }
}

/** A group containing a quantifier (or an alternation) that is itself quantified, like `(a+)+` or `(a|a)*`. */
function hasNestedQuantifier(pattern: string): boolean {
  const stack: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') stack.push(false);
    else if (c === ')') {
      const risky = stack.pop() ?? false;
      const next = pattern[i + 1];
      const quantified = next === '*' || next === '+' || next === '?' || next === '{';
      if (risky && quantified && next !== '?') return true;
      if ((risky || quantified) && stack.length > 0) stack[stack.length - 1] = true;
    } else if ((c === '*' || c === '+' || c === '{' || c === '|') && stack.length > 0) stack[stack.length - 1] = true;
  }
  return false;
}
