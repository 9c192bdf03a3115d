/**
 * The one place that masks secrets (passwords, session ids, monikers) in text
 * that leaves the package: log lines, status texts, error messages, msgs.
 *
 * Failure modes this guards against:
 * - a server echoes a secret in another form: JSON-escaped, XML-escaped,
 *   URL-encoded or `\uXXXX`-escaped, so the literal text is not found;
 * - a secret is cut in half by a length limit (ours or the server's), so only
 *   its first part is left at the end of the text (or its last part at the start);
 * - a secret the package never configured (a session id or moniker the server
 *   made up) appears in server text: masked by its shape or by the field it sits in;
 * - patterns on long server text: every pattern here runs on bounded text and
 *   has no nested or overlapping quantifiers, so its work is linear.
 */
import { MONIKER_PATTERN } from '../foresight/vendor';

export const MASK = '***';

/** Secrets shorter than this are not masked: masking `ab` everywhere would make text unreadable and hides nothing. */
const MIN_SECRET_LENGTH = 3;
/** A part of a secret this long, anywhere in the text, is masked: enough to be of use to someone reading logs. */
export const FRAGMENT_LENGTH = 8;
/** A cut-off part of a secret this long at an end of the text is masked. */
const EDGE_LENGTH = 4;

/** Longest text the masking works on; longer text is cut first (masking the part kept, with its edge checks). */
export const MAX_REDACT_INPUT = 64 * 1024;

/**
 * Values of fields that carry a session or a password, in JSON (`"sessionId": "…"`),
 * XML (`<sessionId>…</sessionId>`) or query (`sessionId=…`) form, whoever made them.
 * Keys: MasterSCADA `sessionId` and the login `password`; Foresight `pass`, `sessKey`,
 * `sessCookie`; generic `token`, `moniker`.
 */
const SECRET_KEYS = 'sessionId|session_id|sessKey|sessCookie|password|passwd|pass|token|moniker';
const KEY_VALUE_PATTERN = new RegExp(
  `(["']?\\b(?:${SECRET_KEYS})["']?[ \\t]{0,8}[:=][ \\t]{0,8})("(?:[^"\\\\\\n]|\\\\.){0,256}"|'[^'\\n]{0,256}'|[^\\s,;&}<"'\\]]{1,256})`,
  'gi',
);
const XML_VALUE_PATTERN = new RegExp(`(<(?:[A-Za-z][\\w.-]{0,32}:)?(?:${SECRET_KEYS})\\b[^<>]{0,256}>)([^<]{1,256})(?=<)`, 'gi');

/**
 * Every form a secret may take in server text: as is, JSON-escaped,
 * XML-escaped (named and numeric references), URL-encoded (with `%20` or `+`
 * for a space, `encodeURI` or `encodeURIComponent`) and `\uXXXX`-escaped.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  forms.add(JSON.stringify(secret).slice(1, -1));
  forms.add(asciiJson(secret));
  forms.add(xmlEscape(secret, false));
  forms.add(xmlEscape(secret, true));
  forms.add(xmlNumericAll(secret));
  for (const enc of [encodeURIComponent, encodeURI]) {
    const e = safeEncode(enc, secret);
    if (e) {
      forms.add(e);
      forms.add(e.replace(/%20/g, '+'));
      forms.add(e.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
    }
  }
  forms.add(unicodeEscapeAll(secret));
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/**
 * `text` with every secret masked: each configured secret in every form, any
 * part of {@link FRAGMENT_LENGTH}+ characters of one, a cut-off part at either
 * end, and session ids and monikers recognised by shape or field name.
 * Text longer than {@link MAX_REDACT_INPUT} is cut (and its new end checked) first.
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined | null>): string {
  let out = text.length > MAX_REDACT_INPUT ? `${text.slice(0, MAX_REDACT_INPUT)}…` : text;
  // Shapes first: masking a known connection moniker first would cut the shape of a longer moniker built on it
  // (`<connection>!S!BP…`), and its tail would be left.
  out = maskByShape(out);
  const forms = uniqueForms(secrets);
  for (const form of forms) {
    if (out.includes(form)) out = out.split(form).join(MASK);
  }
  out = maskFragments(out, forms);
  out = maskEdges(out, forms);
  return out;
}

/**
 * A bounded, single-line piece of server text with every secret masked. The
 * masking runs before the cut (on a window a little longer than the result),
 * so a secret that straddles the cut is masked whole, and the end of the cut
 * is checked again for the start of a secret.
 */
export function redactedSnippet(text: string, secrets: ReadonlyArray<string | undefined | null>, max = 200): string {
  const forms = uniqueForms(secrets);
  const longest = forms.reduce((n, f) => Math.max(n, f.length), 0);
  // Whitespace is folded after masking, so the window allows for some of it.
  const window = text.length > max * 4 + longest ? text.slice(0, max * 4 + longest) : text;
  const masked = redact(window, secrets);
  const oneLine = masked.replace(/\s+/g, ' ').trim();
  if (oneLine.length <= max) return oneLine;
  return `${maskEdges(oneLine.slice(0, max), forms)}…`;
}

/** Session ids and monikers the package was never told about: by shape (monikers) and by the field they sit in. */
export function maskByShape(text: string): string {
  return text
    .replace(MONIKER_PATTERN, MASK)
    .replace(KEY_VALUE_PATTERN, (_m, key: string) => `${key}${MASK}`)
    .replace(XML_VALUE_PATTERN, (_m, tag: string) => `${tag}${MASK}`);
}

function uniqueForms(secrets: ReadonlyArray<string | undefined | null>): string[] {
  const all = new Set<string>();
  for (const s of secrets) {
    if (typeof s === 'string' && s.length >= MIN_SECRET_LENGTH) for (const f of secretForms(s)) all.add(f);
  }
  // Longest first, so a form containing another is masked whole.
  return [...all].sort((a, b) => b.length - a.length);
}

/** Mask every run of text made of overlapping {@link FRAGMENT_LENGTH}-character parts of a secret form. Linear: one set lookup per position. */
function maskFragments(text: string, forms: readonly string[]): string {
  const grams = new Set<string>();
  // Forms that escape every character share their 8-character parts with any other such text: only whole ones count.
  for (const f of forms.filter((x) => !x.startsWith('\\u') && !x.startsWith('&#'))) {
    for (let i = 0; i + FRAGMENT_LENGTH <= f.length; i += 1) grams.add(f.slice(i, i + FRAGMENT_LENGTH));
  }
  if (grams.size === 0 || text.length < FRAGMENT_LENGTH) return text;
  const parts: string[] = [];
  let copied = 0;
  let runStart = -1;
  let runEnd = -1;
  for (let i = 0; i + FRAGMENT_LENGTH <= text.length; i += 1) {
    if (!grams.has(text.slice(i, i + FRAGMENT_LENGTH))) continue;
    if (runStart >= 0 && i > runEnd) {
      parts.push(text.slice(copied, runStart), MASK);
      copied = runEnd;
      runStart = -1;
    }
    if (runStart < 0) runStart = i;
    runEnd = i + FRAGMENT_LENGTH;
  }
  if (runStart < 0 && parts.length === 0) return text;
  if (runStart >= 0) {
    parts.push(text.slice(copied, runStart), MASK);
    copied = runEnd;
  }
  parts.push(text.slice(copied));
  return parts.join('');
}

/** A cut-off secret: the start of one at the end of the text, or the end of one at its start. */
function maskEdges(text: string, forms: readonly string[]): string {
  let out = text;
  for (const f of forms) {
    for (let n = Math.min(f.length - 1, out.length); n >= EDGE_LENGTH; n -= 1) {
      if (out.endsWith(f.slice(0, n))) {
        out = out.slice(0, out.length - n) + MASK;
        break;
      }
    }
    for (let n = Math.min(f.length - 1, out.length); n >= EDGE_LENGTH; n -= 1) {
      if (out.startsWith(f.slice(f.length - n))) {
        out = MASK + out.slice(n);
        break;
      }
    }
  }
  return out;
}

function asciiJson(s: string): string {
  return JSON.stringify(s)
    .slice(1, -1)
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function xmlEscape(s: string, numeric: boolean): string {
  const named: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
  return s.replace(/[&<>"']/g, (c) => (numeric ? `&#${c.charCodeAt(0)};` : named[c]!));
}

function xmlNumericAll(s: string): string {
  return Array.from(s, (c) => `&#${c.codePointAt(0)};`).join('');
}

function unicodeEscapeAll(s: string): string {
  return Array.from(s, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
}

function safeEncode(enc: (s: string) => string, s: string): string | undefined {
  try {
    return enc(s);
  } catch {
    return undefined;
  }
}
