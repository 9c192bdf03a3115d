/**
 * Row 1 (c), the protocol ceiling: the package's own MasterSCADA client, session and poll/ack engine
 * with a consumer that only counts records, and no Node-RED. It runs on a worker thread of the bench
 * process, so that, as with Node-RED in its child process, the simulator keeps the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MasterScadaClient } from '../src/masterscada/client';
import { EventPoller } from '../src/masterscada/event-poller';
import { MasterScadaSession } from '../src/masterscada/session';
import { BENCH_SELECTION } from './flows';

export interface CeilingData {
  url: string;
  count: number;
  pollMs: number;
}

/** Messages to the main thread: ready (subscribed and polling), then done with the time of the last record. */
export type CeilingMessage = { kind: 'ready' } | { kind: 'done'; lastAt: number };

const { url, count, pollMs } = workerData as CeilingData;
const port = parentPort!;
const client = new MasterScadaClient({ url });
const session = new MasterScadaSession(client, { login: 'demo', password: 'demo' });
let received = 0;
const poller = new EventPoller({
  client,
  session,
  selections: [BENCH_SELECTION],
  pollIntervalMs: pollMs,
  consumer: (packet) => {
    received += packet.recs.length;
    if (received >= count) port.postMessage({ kind: 'done', lastAt: performance.timeOrigin + performance.now() } satisfies CeilingMessage);
  },
});
let ready = false;
poller.on('answer', () => {
  if (ready) return;
  ready = true;
  port.postMessage({ kind: 'ready' } satisfies CeilingMessage);
});
port.on('message', (m: unknown) => {
  if (m !== 'stop') return;
  void poller
    .stop({ deleteSubscription: true })
    .then(() => session.close({ logout: true }))
    .finally(() => client.close())
    .finally(() => port.close());
});
poller.start();
