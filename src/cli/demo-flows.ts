/**
 * Turns the shipped example flows into one flow file for the demo: one tab per example, node ids
 * made unique across examples, config nodes pointed at the running simulators, and credentials for
 * the demo account.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

export interface FlowNode {
  id: string;
  type: string;
  z?: string;
  [key: string]: unknown;
}

export interface ExampleFile {
  /** Path below `examples/`, e.g. `masterscada/Alarms to debug.json`. */
  name: string;
  nodes: FlowNode[];
}

/** Every `*.json` below `examplesDir` (recursively, sorted), parsed. Missing folder = no examples. */
export function readExamples(examplesDir: string): ExampleFile[] {
  if (!existsSync(examplesDir)) return [];
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.json')) files.push(path);
    }
  };
  walk(examplesDir);
  return files.map((file) => {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!Array.isArray(parsed)) throw new Error(`${file}: an example flow must be a JSON array of nodes`);
    return { name: relative(examplesDir, file).split('\\').join('/'), nodes: parsed as FlowNode[] };
  });
}

export interface Rewrite {
  /** Config node types whose URL-like properties are rewritten. */
  types: readonly string[];
  /** Origin used in the examples, e.g. `http://127.0.0.1:8043`. */
  from: string;
  /** Origin of the running simulator. */
  to: string;
}

export interface DemoFlowOptions {
  rewrites: readonly Rewrite[];
  /** Credentials per config node type, e.g. `{ 'masterscada-server': { username: 'demo', password: 'demo' } }`. */
  credentials: Record<string, Record<string, string>>;
}

export interface DemoFlows {
  flows: FlowNode[];
  credentials: Record<string, Record<string, string>>;
  /** Examples left out because they need other node modules (e-mail, Telegram), with those modules. */
  skipped: Array<{ name: string; modules: string[] }>;
}

/**
 * Node modules an example needs besides this package: the `modules` of its `global-config` node
 * (Node-RED 4.1 export metadata; Import offers to install them).
 */
export function modulesNeeded(example: ExampleFile): string[] {
  const meta = example.nodes.find((n) => n.type === 'global-config');
  const modules = meta && typeof meta.modules === 'object' && meta.modules !== null ? Object.keys(meta.modules) : [];
  return modules.sort();
}

export function buildDemoFlows(examples: readonly ExampleFile[], options: DemoFlowOptions): DemoFlows {
  const flows: FlowNode[] = [];
  const byId = new Map<string, FlowNode>();
  const credentials: Record<string, Record<string, string>> = {};
  const skipped: DemoFlows['skipped'] = [];
  let counter = 0;
  const freshId = (): string => {
    let id;
    do id = `demo${(++counter).toString(16).padStart(12, '0')}`;
    while (byId.has(id));
    return id;
  };

  for (const example of examples) {
    const modules = modulesNeeded(example);
    // The demo has no mail server or Telegram bot: those examples would only fill the Debug sidebar with errors.
    if (modules.length > 0) {
      skipped.push({ name: example.name, modules });
      continue;
    }
    const idMap = new Map<string, string>();
    const keep = new Set<string>();
    for (const node of example.nodes) {
      const existing = byId.get(node.id);
      if (!existing) continue;
      // Examples of one protocol usually share their config node: keep one copy.
      if (isConfigNode(node) && JSON.stringify(existing) === JSON.stringify(rewriteNode(node, options.rewrites))) keep.add(node.id);
      else idMap.set(node.id, freshId());
    }
    // Exported flows often carry the `z` of a tab that is not in the file: such nodes go on a new tab.
    const containers = new Set(example.nodes.filter((n) => n.type === 'tab' || n.type === 'subflow').map((n) => n.id));
    const needsTab = example.nodes.some((n) => !isConfigNode(n) && !(n.z && containers.has(n.z)) && n.type !== 'tab' && n.type !== 'subflow');
    const tabId = needsTab ? freshId() : undefined;
    if (tabId) {
      const tab: FlowNode = { id: tabId, type: 'tab', label: basename(example.name, '.json'), disabled: false, info: '' };
      flows.push(tab);
      byId.set(tabId, tab);
    }
    for (const original of example.nodes) {
      if (keep.has(original.id)) continue;
      const homeless = !isConfigNode(original) && original.type !== 'tab' && original.type !== 'subflow' && !(original.z && containers.has(original.z));
      let node = remapIds(original, idMap) as FlowNode;
      node = rewriteNode(node, options.rewrites);
      if (tabId && homeless) node.z = tabId;
      const creds = options.credentials[node.type];
      if (creds) credentials[node.id] = { ...creds };
      flows.push(node);
      byId.set(node.id, node);
    }
  }
  return { flows, credentials, skipped };
}

/** A node without a tab and without wires that is not a tab/subflow: a config node. */
function isConfigNode(node: FlowNode): boolean {
  return !node.z && !('wires' in node) && node.type !== 'tab' && node.type !== 'subflow' && node.type !== 'group';
}

function remapIds(value: unknown, idMap: Map<string, string>): unknown {
  if (typeof value === 'string') return idMap.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => remapIds(v, idMap));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, remapIds(v, idMap)]));
  }
  return value;
}

function rewriteNode(node: FlowNode, rewrites: readonly Rewrite[]): FlowNode {
  const applicable = rewrites.filter((r) => r.types.includes(node.type));
  if (applicable.length === 0) return node;
  const out: FlowNode = { ...node };
  for (const [key, value] of Object.entries(out)) {
    if (typeof value !== 'string') continue;
    for (const r of applicable) {
      if (value === r.from || value.startsWith(r.from + '/')) out[key] = r.to + value.slice(r.from.length);
    }
  }
  return out;
}

/**
 * Credential names of a node type as its editor declares them (`credentials: { user: {type:"text"}, … }`),
 * so the demo fills whatever the node calls its login and password.
 */
export function credentialNamesFromEditorHtml(html: string): { name: string; type: string }[] {
  const start = html.search(/credentials\s*:\s*\{/);
  if (start < 0) return [];
  const open = html.indexOf('{', start);
  let depth = 0;
  let end = open;
  for (; end < html.length; end++) {
    if (html[end] === '{') depth++;
    else if (html[end] === '}' && --depth === 0) break;
  }
  const body = html.slice(open + 1, end);
  const out: { name: string; type: string }[] = [];
  const re = /["']?([A-Za-z_$][\w$]*)["']?\s*:\s*\{[^{}]*?type\s*:\s*["'](\w+)["']/g;
  for (let m; (m = re.exec(body)); ) out.push({ name: m[1]!, type: m[2]! });
  return out;
}

/** Login/password credentials for the demo account, keyed by the names the editor declares. */
export function demoCredentials(
  names: readonly { name: string; type: string }[],
  account: { username: string; password: string },
): Record<string, string> {
  const creds: Record<string, string> = {};
  for (const { name, type } of names) {
    if (/user|login/i.test(name)) creds[name] = account.username;
    else if (type === 'password' && /pass|pwd/i.test(name)) creds[name] = account.password;
  }
  if (Object.keys(creds).length === 0) return { username: account.username, password: account.password };
  return creds;
}
