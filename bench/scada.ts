/** MasterSCADA simulator set-up shared by the rows: a fresh simulator per run, a subscription made beforehand, alarms raised at once. */
import { MasterScadaClient } from '../src/masterscada/client';
import { startMasterScadaSimulator, type MasterScadaSimulator } from '../src/sim/masterscada';
import { BENCH_SELECTION, DEMO_ACCOUNT, type Subscription } from './flows';
import { epochNow, waitUntil } from './measure';

/** A simulator whose queue holds a whole backlog of `events`, with no background alarms. */
export function startScadaSim(events: number, packetSize: number): Promise<MasterScadaSimulator> {
  return startMasterScadaSimulator({ alarmRate: 0, packetSize, queueSize: Math.ceil(events / packetSize) + 10, requestLogLimit: 1000 });
}

/** A session and subscription for the nodes that do not subscribe by themselves (the lean node, the core flow). */
export async function subscribe(sim: MasterScadaSimulator): Promise<Subscription> {
  const client = new MasterScadaClient({ url: sim.url });
  try {
    const { sessionId } = await client.login(DEMO_ACCOUNT.username, DEMO_ACCOUNT.password);
    const subscriptionId = await client.createSubscription(sessionId);
    await client.createMonitoredEvents(sessionId, subscriptionId, [BENCH_SELECTION]);
    return { url: sim.url, sessionId: String(sessionId), subscriptionId: Number(subscriptionId) };
  } finally {
    await client.close();
  }
}

/** Raise `count` alarms in one go (the event loop is blocked meanwhile); returns the epoch time after the last one. */
export function raise(sim: MasterScadaSimulator, count: number): number {
  for (let i = 0; i < count; i++) sim.raise({ message: `Авария ${i}`, severity: 500 });
  return epochNow();
}

/** Until `polls` PublishEvents (beyond `before`) reached the simulator: the flow under test is subscribed and polling. */
export function polled(sim: MasterScadaSimulator, polls = 1, what = 'the flow to poll'): Promise<void> {
  return waitUntil(() => sim.requestsFor('PublishEvents').length >= polls, what, 30_000, 10);
}
