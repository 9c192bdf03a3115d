/**
 * The flows the benchmarks deploy. Every flow ends in the same `bench-count` node (id `count`), so
 * the only thing that differs between two rows is the part under test.
 */
import type { EventSelection } from '../src/masterscada/types';
import { SELECTION } from '../test/helpers/masterscada';

/** eventId, Time (the simulator's enqueue time, which the latency row reads), Message, Severity, Active, Acked. */
export const BENCH_SELECTION: EventSelection = SELECTION;

export const DEMO_ACCOUNT = { username: 'demo', password: 'demo' };

type FlowNode = Record<string, unknown>;
const TAB: FlowNode = { id: 'bench', type: 'tab', label: 'bench' };

/** Node-RED takes a node without x/y for a config node: give every node on the tab a place. */
function placed(nodes: FlowNode[]): FlowNode[] {
  return nodes.map((n, i) => (n.z ? { x: 150 + (i % 5) * 200, y: 60 + Math.floor(i / 5) * 60, ...n } : n));
}

function count(latency = false): FlowNode {
  return { id: 'count', type: 'bench-count', z: 'bench', latency, wires: [] };
}

/** Only the counting node: the "nothing running" state between two measurements. */
export function emptyFlow(): FlowNode[] {
  return placed([TAB, count()]);
}

function scadaServer(url: string): FlowNode {
  return { id: 'srv', type: 'masterscada-server', url, timeout: 10, usetls: false, tls: '', credentials: { ...DEMO_ACCOUNT } };
}

function benchSelection(clientHandle: number, itemId: number): FlowNode {
  return { clientHandle, taskId: 0, itemId, archiveId: 0, path: '', useArchive: false, topic: '', fields: BENCH_SELECTION.fields.map((f) => ({ id: f.id, name: '' })) };
}

function scadaEventsNode(id: string, pollS: number, wires: string[][], fdatasync = false, selections: FlowNode[] = [benchSelection(1, 0)]): FlowNode {
  return {
    id,
    type: 'scada-events',
    z: 'bench',
    server: 'srv',
    pollInterval: pollS,
    store: '',
    fdatasync,
    selections,
    wires,
  };
}

/** (a) `scada-events` → count. */
export function scadaEventsFlow(url: string, pollS: number, options: { latency?: boolean; fdatasync?: boolean } = {}): FlowNode[] {
  return placed([TAB, scadaServer(url), scadaEventsNode('ev', pollS, [['count']], options.fdatasync), count(options.latency)]);
}

/** `nodes` idle `scada-events` nodes on one server, wired to nothing. */
export function idleScadaEventsFlow(url: string, nodes: number, pollS: number): FlowNode[] {
  return placed([TAB, scadaServer(url), count(), ...Array.from({ length: nodes }, (_, i) => scadaEventsNode(`ev${i}`, pollS, [[]]))]);
}

/** One idle `scada-events` node watching `selections` objects (one subscription, one poll per interval for all). */
export function idleSelectionsFlow(url: string, selections: number, pollS: number): FlowNode[] {
  return placed([TAB, scadaServer(url), count(), scadaEventsNode('ev', pollS, [[]], false, Array.from({ length: selections }, (_, i) => benchSelection(i + 1, 1000 + i)))]);
}

export interface Subscription {
  url: string;
  sessionId: string;
  subscriptionId: number;
}

/** (f) the leanest possible node → count. */
export function leanFlow(sub: Subscription, pollMs: number, options: { latency?: boolean } = {}): FlowNode[] {
  return placed([TAB, { id: 'lean', type: 'bench-lean-events', z: 'bench', ...sub, pollMs, wires: [['count']] }, count(options.latency)]);
}

/** `subs.length` leanest nodes, one per subscription, wired to nothing: the idle baseline. */
export function idleLeanFlow(subs: Subscription[], pollMs: number): FlowNode[] {
  return placed([TAB, count(), ...subs.map((sub, i) => ({ id: `lean${i}`, type: 'bench-lean-events', z: 'bench', ...sub, pollMs, wires: [[]] }))]);
}

/**
 * (b) what a user builds from core nodes: an inject ticks every poll interval; a function builds the
 * PublishEvents body with the ack kept in flow context (cleared on start; ticks are dropped while a
 * drain is running);
 * `http request` (keep-alive, parsed JSON); a function that stores the ack, splits the records into
 * msgs and loops back at once while the runtime says `hasMore`.
 */
export function coreFlow(sub: Subscription, pollS: number): FlowNode[] {
  const request = [
    "if (msg.topic === 'tick' && flow.get('busy')) return null;",
    "flow.set('busy', true);",
    "const ack = flow.get('ack');",
    `const body = { sessionId: ${JSON.stringify(sub.sessionId)}, subscriptionId: ${sub.subscriptionId} };`,
    'if (ack !== undefined) body.ackSequenceNumber = ack;',
    'return { payload: body };',
  ].join('\n');
  const split = [
    'const a = msg.payload;',
    "if (a.sequenceNumber !== undefined) flow.set('ack', a.sequenceNumber);",
    "if (!a.hasMore) flow.set('busy', false);",
    'const recs = (a.recs || []).map((r) => ({ payload: r }));',
    'return [recs, a.hasMore ? { topic: "more" } : null];',
  ].join('\n');
  return placed([
    TAB,
    { id: 'tick', type: 'inject', z: 'bench', props: [{ p: 'topic', vt: 'str' }], topic: 'tick', repeat: String(pollS), once: true, onceDelay: 0.1, wires: [['req']] },
    { id: 'req', type: 'function', z: 'bench', func: request, initialize: "flow.set('ack', undefined);\nflow.set('busy', false);", outputs: 1, wires: [['http']] },
    { id: 'http', type: 'http request', z: 'bench', method: 'POST', ret: 'obj', paytoqs: 'ignore', url: `${sub.url}/Methods/PublishEvents`, persist: true, tls: '', proxy: '', authType: '', senderr: false, headers: [], wires: [['split']] },
    { id: 'split', type: 'function', z: 'bench', func: split, outputs: 2, wires: [['count'], ['req']] },
    count(),
  ]);
}

export interface ForesightTarget {
  endpoint: string;
  transport: 'json' | 'soap';
  repository: string;
  processKey: string;
  instanceKey: string;
}

/** bpm-monitor → count. */
export function bpmMonitorFlow(t: ForesightTarget): FlowNode[] {
  return placed([
    TAB,
    { id: 'fsrv', type: 'foresight-server', endpoint: t.endpoint, repository: t.repository, transport: t.transport, wsPathPrefix: '/FPBI_App_v10.x', timeout: 10, keepAlive: 600, usetls: false, tls: '', credentials: { ...DEMO_ACCOUNT } },
    { id: 'mon', type: 'bpm-monitor', z: 'bench', server: 'fsrv', processKey: t.processKey, instanceKey: t.instanceKey, instanceGuid: '', topic: '', wires: [['count']] },
    count(),
  ]);
}

/** The core `websocket in` node (client mode) on a socket URL resolved beforehand, then a `json` node, so msg.payload is the parsed frame as with bpm-monitor. */
export function websocketInFlow(socketUrl: string): FlowNode[] {
  return placed([
    TAB,
    { id: 'wsc', type: 'websocket-client', path: socketUrl, tls: '', wholemsg: 'false', hb: '0', subprotocol: '', headers: [] },
    { id: 'wsin', type: 'websocket in', z: 'bench', server: '', client: 'wsc', wires: [['json']] },
    { id: 'json', type: 'json', z: 'bench', property: 'payload', action: 'obj', pretty: false, wires: [['count']] },
    count(),
  ]);
}
