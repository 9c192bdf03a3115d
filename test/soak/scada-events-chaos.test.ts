/**
 * Chaos soak: a real Node-RED child process runs scada-events against the simulator, which raises
 * numbered alarms at a steady rate and clears and acknowledges each soon after (so each ends in a
 * deletion). Meanwhile Node-RED is SIGKILLed at random moments and restarted, fully redeployed,
 * the simulator's process restarts (sessions and subscriptions gone) and its queue overflows once
 * while Node-RED is down. Every msg is appended synchronously to a file by a function node; the
 * table is counted from that file alone. The node keeps the active-alarm list too (stored in the
 * ack's write): every alarm ends deleted, so the list must end empty.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchNodeRed, prepareUserDir } from '../../src/cli/node-red-launcher';
import type { RunningNodeRed } from '../../src/cli/node-red-launcher';
import type { MasterScadaSimulator } from '../../src/sim/masterscada';
import { startSim, waitFor } from '../helpers/masterscada';
import { packageUnderTest } from '../helpers/node-red-runtime';

const PASSWORD = 'soak-Secret-5';
const ALARMS_PER_S = 40;
const PRODUCE_MS = 55_000;
const KILLS = 5;

interface Line {
  c?: string;
  r?: string;
  e?: string;
  a?: boolean;
  k?: boolean;
  t?: string;
  d?: boolean;
  p?: Record<string, unknown>;
}

interface Table {
  settings: string;
  produced: number;
  delivered: number;
  lostAlarms: number;
  lostDeletions: number;
  unmarkedDuplicates: number;
  markedRedeliveries: number;
  recoveredFromArchive: number;
  refreshRecords: number;
  gapNotices: number;
  falseGaps: number;
  resubscribed: number;
  kills: number;
  fullDeploys: number;
  liveSubscriptions: number;
  /** Alarms still in the active-alarm list once every alarm was cleared, acknowledged and delivered. */
  staleListAlarms: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function flows(simUrl: string, outFile: string, listFile: string, name: string): unknown[] {
  return [
    { id: 'f1', type: 'tab', label: 'soak' },
    { id: 'srv', type: 'masterscada-server', url: simUrl, timeout: 3, usetls: false, tls: '' },
    {
      id: 'ev',
      type: 'scada-events',
      z: 'f1',
      name,
      server: 'srv',
      pollInterval: 0.1,
      store: '',
      alarmList: true,
      outputs: 2,
      selections: [{ clientHandle: 1, taskId: 0, itemId: 0, archiveId: 0, path: '', useArchive: false, topic: '', fields: [{ id: 1, name: 'eventId' }, { id: 2, name: 'Time' }, { id: 5, name: 'Active' }, { id: 6, name: 'Acked' }] }],
      wires: [['sink'], ['list']],
    },
    {
      id: 'list',
      type: 'function',
      z: 'f1',
      // The latest active-alarm list, as eventIds, replacing the one before.
      func: `fs.writeFileSync(${JSON.stringify(listFile)}, JSON.stringify(msg.payload.map((a) => a.eventId)));\nreturn null;`,
      libs: [{ var: 'fs', module: 'fs' }],
      outputs: 0,
      wires: [],
    },
    {
      id: 'sink',
      type: 'function',
      z: 'f1',
      // Written synchronously, so a line is on the OS before the next PublishEvents carries the ack.
      func: `const p = msg.payload || {};\nfs.appendFileSync(${JSON.stringify(outFile)}, JSON.stringify({ c: msg.control, r: msg.recType, e: msg.eventId, a: p.Active, k: p.Acked, t: p.raw && p.raw.Time, d: msg.redelivered, p: msg.control ? p : undefined }) + '\\n');\nreturn null;`,
      libs: [{ var: 'fs', module: 'fs' }],
      outputs: 0,
      wires: [],
    },
  ];
}

async function soak(settingsName: string, contextStorage: unknown): Promise<Table> {
  const sim: MasterScadaSimulator = await startSim({ accounts: { demo: PASSWORD }, queueSize: 400, packetSize: 20, archiveSize: 100_000 });
  const userDir = mkdtempSync(join(tmpdir(), 'nr-scada-soak-'));
  const outFile = join(userDir, 'out.jsonl');
  const listFile = join(userDir, 'alarm-list.json');
  const pkg = packageUnderTest();
  prepareUserDir({
    userDir,
    modules: { [pkg.info.name]: pkg.dir },
    flows: flows(sim.url, outFile, listFile, 'soak'),
    credentials: { srv: { username: 'demo', password: PASSWORD } },
    settings: { contextStorage, functionExternalModules: true },
  });
  let nodeRed: RunningNodeRed | undefined;
  const produced: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const later = (fn: () => void, ms: number): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  let n = 0;
  const raisedAt = new Map<string, number>();
  const timeline: string[] = [];
  const t0 = Date.now();
  const mark = (what: string): void => void timeline.push(`${Date.now() - t0} ms ${what}`);
  // Alarms count from the moment the node's first subscription polls: what ends before it exists no subscriber can see.
  let producing = false;
  const producer = setInterval(() => {
    if (!producing) return;
    const alarm = sim.raise({ message: `alarm #${++n}` });
    produced.push(alarm.eventId);
    raisedAt.set(alarm.eventId, Date.now() - t0);
    later(() => {
      sim.clear(alarm.eventId);
      later(() => sim.acknowledge(alarm.eventId), 100 + Math.random() * 400);
    }, 200 + Math.random() * 1300);
  }, 1000 / ALARMS_PER_S);
  let kills = 0;
  let fullDeploys = 0;
  try {
    nodeRed = await launchNodeRed({ userDir });
    await waitFor(() => sim.requestsFor('PublishEvents').length > 0, 'the first poll', 30_000);
    producing = true;
    const started = Date.now();
    const plan = ['kill', 'deploy', 'kill', 'sim-restart', 'kill-overflow', 'deploy', 'kill', 'kill'];
    const gapMs = PRODUCE_MS / (plan.length + 1);
    for (const step of plan) {
      await sleep(gapMs * (0.5 + Math.random()));
      mark(step);
      if (step === 'deploy') {
        const res = await fetch(new URL('flows', nodeRed.url), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
          body: JSON.stringify(flows(sim.url, outFile, listFile, `soak ${fullDeploys}`)),
        });
        assert.ok(res.ok, `deploy: HTTP ${res.status}`);
        fullDeploys++;
      } else if (step === 'sim-restart') {
        await sim.restartProcess(800);
      } else {
        nodeRed.child.kill('SIGKILL');
        await nodeRed.stop();
        kills++;
        await sleep(300 + Math.random() * 1200);
        // Twice: the oldest queued packet may be one already delivered whose ack the runtime never got.
        if (step === 'kill-overflow') for (let i = 0; i < 2; i++) sim.overflowQueues();
        nodeRed = await launchNodeRed({ userDir });
        mark('started again');
      }
    }
    while (Date.now() - started < PRODUCE_MS) await sleep(200);
    producing = false;
    // Let every alarm clear and be acknowledged, then let the node drain.
    await waitFor(() => timers.size === 0, 'every alarm cleared and acknowledged', 10_000);
    const goneSeen = (): number => new Set(lines().filter((l) => l.r === 'Deleted' || (l.r === 'Archive' && l.a === false && l.k === true)).map((l) => l.e)).size;
    const lines = (): Line[] => (existsSync(outFile) ? readFileSync(outFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line) : []);
    // Drained = every deletion seen and every queued packet acknowledged (so stored and at the output); the
    // catch lets the table print and the assertions below say what is missing.
    await waitFor(() => goneSeen() >= produced.length && sim.queuedPackets === 0, 'every deletion at the output and the queue drained', 45_000).catch(() => undefined);
    // Every alarm ended in a deletion, so the list must end empty: an alarm left in it came back from a list
    // stored apart from the ack it belongs to (a kill between the two), and no Deleted will ever remove it.
    const listed = (): string[] => (existsSync(listFile) ? (JSON.parse(readFileSync(listFile, 'utf8')) as string[]) : []);
    await waitFor(() => listed().length === 0, 'the active-alarm list to empty', 5_000).catch(() => undefined);
    const out = lines();
    const records = out.filter((l) => l.c === undefined);
    const seen = new Set(records.map((l) => l.e));
    const gone = new Set(records.filter((l) => l.r === 'Deleted' || (l.r === 'Archive' && l.a === false && l.k === true)).map((l) => l.e));
    const keys = new Set<string>();
    let unmarked = 0;
    for (const l of records) {
      // An Archive record is the same transition as the Update it stands in for: either one twice is a duplicate.
      if (l.r !== 'Update' && l.r !== 'Archive' && l.r !== 'Deleted') continue;
      const key = l.r === 'Deleted' ? `D|${l.e}` : `U|${l.e}|${l.t}|${l.a}|${l.k}`;
      if (keys.has(key) && !l.d) unmarked++;
      keys.add(key);
    }
    const dropped = sim.droppedPackets;
    const gaps = out.filter((l) => l.c === 'gap');
    const falseGaps = gaps.filter((g) => {
      const p = g.p ?? {};
      return !dropped.some((d) => String(d.subscriptionId) === String(p.subscriptionId) && d.seq >= Number(p.expected) && d.seq < Number(p.received));
    }).length;
    const table: Table = {
      settings: settingsName,
      produced: produced.length,
      delivered: records.length,
      lostAlarms: produced.filter((e) => !seen.has(e)).length,
      lostDeletions: produced.filter((e) => !gone.has(e)).length,
      unmarkedDuplicates: unmarked,
      markedRedeliveries: records.filter((l) => l.d === true).length,
      recoveredFromArchive: records.filter((l) => l.r === 'Archive').length,
      refreshRecords: records.filter((l) => l.r === 'Refresh').length,
      gapNotices: gaps.length,
      falseGaps,
      resubscribed: out.filter((l) => l.c === 'resubscribed').length,
      kills,
      fullDeploys,
      liveSubscriptions: sim.subscriptionCount,
      staleListAlarms: listed().length,
    };
    const lostIds = produced.filter((e) => !seen.has(e) || !gone.has(e));
    if (lostIds.length > 0) {
      // eslint-disable-next-line no-console
      console.log(`lost: ${lostIds.length}, raised at ${lostIds.slice(0, 5).map((e) => raisedAt.get(e)).join(', ')} … ${lostIds.slice(-3).map((e) => raisedAt.get(e)).join(', ')} ms\n${timeline.join('\n')}`);
    }
    return table;
  } finally {
    clearInterval(producer);
    for (const t of timers) clearTimeout(t);
    await nodeRed?.stop().catch(() => undefined);
    await sim.close();
    rmSync(userDir, { recursive: true, force: true });
  }
}

describe('scada-events chaos soak (real Node-RED child, SIGKILL, full deploys, simulator restart, queue overflow)', function () {
  // Each variant takes about 80 s; bounded well under 3 min even on a busy machine.
  this.timeout(170_000);
  const tables: Table[] = [];

  after(() => {
    // eslint-disable-next-line no-console
    if (tables.length > 0) console.table(tables);
  });

  for (const [name, contextStorage] of [
    ['stock settings.js (no contextStorage)', undefined],
    ['localfilesystem, default 30 s flush', { default: { module: 'localfilesystem' } }],
  ] as const) {
    it(`should lose nothing, duplicate nothing unmarked and report no false gap with ${name}`, async () => {
      const table = await soak(name, contextStorage);
      tables.push(table);
      // eslint-disable-next-line no-console
      console.table([table]);
      assert.ok(table.produced > 1000, 'the soak produced alarms');
      assert.ok(table.kills >= KILLS, 'killed at least 5 times');
      assert.equal(table.lostAlarms, 0, 'lost alarms');
      assert.equal(table.lostDeletions, 0, 'lost deletions');
      assert.equal(table.unmarkedDuplicates, 0, 'unmarked duplicates');
      assert.equal(table.falseGaps, 0, 'false gaps');
      assert.ok(table.gapNotices >= 1 && table.recoveredFromArchive > 0, 'the overflow was seen and the archive read');
      assert.equal(table.staleListAlarms, 0, 'alarms left in the active-alarm list');
      assert.equal(table.liveSubscriptions, 1, 'one live subscription at the end (old ones deleted or ended with their session)');
    });
  }
});
