/**
 * MasterSCADA 4D: events per second through the poll/ack engine against a bare PublishEvents POST
 * loop on the same simulator, and the heap that delivered events take against plain JSON.parse.
 */
import { MasterScadaClient } from '../src/masterscada/client';
import { EventPoller } from '../src/masterscada/event-poller';
import { MasterScadaSession } from '../src/masterscada/session';
import type { EventPacket, EventSelection, ScadaId } from '../src/masterscada/types';
import { DEFAULT_METHOD_NAMES, METHOD_PATH_PREFIX } from '../src/masterscada/vendor';
import { HttpTransport } from '../src/shared/http';
import { startMasterScadaSimulator, type MasterScadaSimulator } from '../src/sim/masterscada';
import { heapHeldBy, pairedMedians, timed, waitUntil, type Row } from './measure';

const EVENTS = 20_000;
const HELD_EVENTS = 10_000;
const RUNS = 5;

const SELECTION: EventSelection = {
  clientHandle: 1,
  archiveId: 0,
  taskId: 0,
  itemId: 0,
  path: '',
  useArchive: false,
  fields: [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }, { id: 5 }, { id: 6 }],
};

interface BareAnswer {
  sequenceNumber?: number;
  hasMore?: boolean;
  recs?: unknown[];
}

/** PublishEvents over the same keep-alive pool with JSON.parse only: no checks, no engine. */
class BarePublisher {
  private readonly http: HttpTransport;
  constructor(url: string) {
    this.http = new HttpTransport({ baseUrl: url });
  }
  async publish(sessionId: ScadaId, subscriptionId: ScadaId, ack: number | undefined): Promise<BareAnswer> {
    const body = JSON.stringify({ sessionId, subscriptionId, ...(ack === undefined ? {} : { ackSequenceNumber: ack }) });
    const res = await this.http.post(`${METHOD_PATH_PREFIX}${DEFAULT_METHOD_NAMES.publishEvents}`, body, { 'content-type': 'application/json' });
    return JSON.parse(res.body) as BareAnswer;
  }
  close(): Promise<void> {
    return this.http.close();
  }
}

async function subscribe(client: MasterScadaClient): Promise<{ sessionId: ScadaId; subscriptionId: ScadaId }> {
  const { sessionId } = await client.login('demo', 'demo');
  const subscriptionId = await client.createSubscription(sessionId);
  await client.createMonitoredEvents(sessionId, subscriptionId, [SELECTION]);
  return { sessionId, subscriptionId };
}

function raise(sim: MasterScadaSimulator, count: number): void {
  for (let i = 0; i < count; i++) sim.raise({ message: `Авария ${i}`, severity: 500 });
}

async function bareDrain(sim: MasterScadaSimulator, count: number, keep?: unknown[]): Promise<number> {
  const client = new MasterScadaClient({ url: sim.url });
  const bare = new BarePublisher(sim.url);
  let subscription: { sessionId: ScadaId; subscriptionId: ScadaId } | undefined;
  try {
    subscription = await subscribe(client);
    const { sessionId, subscriptionId } = subscription;
    let received = 0;
    let ack: number | undefined;
    // Raising is timed on both paths, so the two figures differ only in how the events are fetched.
    return await timed(async () => {
      raise(sim, count);
      while (received < count) {
        const answer = await bare.publish(sessionId, subscriptionId, ack);
        received += answer.recs?.length ?? 0;
        if (answer.sequenceNumber !== undefined) ack = answer.sequenceNumber;
        keep?.push(answer);
      }
    });
  } finally {
    if (subscription) await client.deleteSubscription(subscription.sessionId, subscription.subscriptionId).catch(() => undefined);
    if (subscription) await client.logout(subscription.sessionId).catch(() => undefined);
    await bare.close();
    await client.close();
  }
}

async function pollerDrain(sim: MasterScadaSimulator, count: number, keep?: EventPacket[]): Promise<number> {
  const client = new MasterScadaClient({ url: sim.url });
  const session = new MasterScadaSession(client, { login: 'demo', password: 'demo' });
  let received = 0;
  const poller = new EventPoller({
    client,
    session,
    selections: [SELECTION],
    pollIntervalMs: 1,
    consumer: (packet) => {
      received += packet.recs.length;
      keep?.push(packet);
    },
  });
  let subscribed = false;
  poller.once('subscribed', () => (subscribed = true));
  try {
    poller.start();
    await waitUntil(() => subscribed && poller.state === 'polling', 'the poller to subscribe');
    return await timed(async () => {
      raise(sim, count);
      await waitUntil(() => received >= count, `${count} events through the poller`, 30_000);
    });
  } finally {
    await poller.stop({ deleteSubscription: true });
    await session.close({ logout: true });
    await client.close();
  }
}

export async function benchMasterScada(): Promise<Row[]> {
  const sim = await startMasterScadaSimulator({ alarmRate: 0, queueSize: 10_000, packetSize: 50 });
  try {
    // Warm up both paths (JIT, connections) before measuring.
    await bareDrain(sim, 2000);
    await pollerDrain(sim, 2000);
    const [pollerMs, bareMs] = await pairedMedians(RUNS, () => pollerDrain(sim, EVENTS), () => bareDrain(sim, EVENTS));
    const bareAnswers: unknown[] = [];
    await bareDrain(sim, HELD_EVENTS, bareAnswers);
    const heldBare = heapHeldBy(bareAnswers);
    const packets: EventPacket[] = [];
    await pollerDrain(sim, HELD_EVENTS, packets);
    const heldPoller = heapHeldBy(packets);
    return [
      {
        area: 'MasterSCADA',
        what: `events/s, ${EVENTS} alarms via EventPoller`,
        value: (EVENTS / pollerMs) * 1000,
        baseline: (EVENTS / bareMs) * 1000,
        unit: 'ev/s',
        baselineLabel: 'bare PublishEvents POST loop',
        better: 'higher',
      },
      {
        area: 'MasterSCADA',
        what: `heap held by ${HELD_EVENTS} delivered events`,
        value: heldPoller / 1024 / 1024,
        baseline: heldBare / 1024 / 1024,
        unit: 'MiB',
        baselineLabel: 'same answers, plain JSON.parse',
        better: 'lower',
      },
    ];
  } finally {
    await sim.close();
  }
}
