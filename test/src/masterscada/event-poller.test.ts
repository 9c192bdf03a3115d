import assert from 'node:assert/strict';
import FakeTimers from '@sinonjs/fake-timers';
import { MasterScadaClient } from '../../../src/masterscada/client';
import { EventPoller } from '../../../src/masterscada/event-poller';
import type { Cursor, DeliveryInfo, EventPollerOptions, PollerClient, SubscribeReason } from '../../../src/masterscada/event-poller';
import { MemoryCursorStore } from '../../../src/masterscada/cursor-store';
import { silentLogger } from '../../../src/shared/logger';
import { MasterScadaSession } from '../../../src/masterscada/session';
import type { EventPacket } from '../../../src/masterscada/types';
import type { MasterScadaSimulator, MasterScadaSimulatorOptions } from '../../../src/sim/masterscada';
import { SELECTION, acksSent, clockOf, startSim, waitFor } from '../../helpers/masterscada';
import type { FakeClock } from '../../helpers/masterscada';

describe('EventPoller', () => {
  let sim: MasterScadaSimulator;
  let client: MasterScadaClient;
  let session: MasterScadaSession;
  let clock: FakeClock;
  let pollers: EventPoller[];
  let delivered: EventPacket[];
  let subscribed: SubscribeReason[];

  async function setup(simOptions: MasterScadaSimulatorOptions = {}): Promise<void> {
    sim = await startSim(simOptions);
    client = new MasterScadaClient({ url: sim.url, timeoutMs: 1000 });
    session = new MasterScadaSession(client, { login: 'demo', password: 'demo' });
    clock = FakeTimers.createClock();
    pollers = [];
    delivered = [];
    subscribed = [];
  }

  function poller(extra: Partial<EventPollerOptions> = {}): EventPoller {
    const p = new EventPoller({
      client,
      session,
      selections: [SELECTION],
      consumer: (packet) => {
        delivered.push(packet);
      },
      clock: clockOf(clock),
      pollIntervalMs: 1000,
      backoff: { initialMs: 1000, maxMs: 8000, factor: 2, jitter: 0.2, random: () => 0.5 },
      ...extra,
    });
    p.on('subscribed', (info) => subscribed.push(info.reason));
    pollers.push(p);
    return p;
  }

  const methods = (): string[] => sim.requests.map((r) => r.method);
  const publishes = (): number => sim.requestsFor('PublishEvents').length;
  const eventIds = (): string[] => delivered.flatMap((p) => p.recs.map((r) => String(r.fields[0])));

  /** A memory store that notes each save with the number of PublishEvents sent by then. */
  function recordingStore(): { store: MemoryCursorStore; saves: Array<{ ack?: number; inFlight?: number; publishes: number }> } {
    const store = new MemoryCursorStore();
    const saves: Array<{ ack?: number; inFlight?: number; publishes: number }> = [];
    const original = store.save.bind(store);
    store.save = (c) => {
      saves.push({ ack: c?.ack, inFlight: c?.inFlight, publishes: publishes() });
      return original(c);
    };
    return { store, saves };
  }

  afterEach(async () => {
    for (const p of pollers) await p.stop();
    await session.close();
    await client.close();
    await sim.close();
  });

  it('should subscribe, refresh, and acknowledge each delivered packet on the next poll', async () => {
    await setup();
    const a = sim.raise();
    const p = poller();
    p.start();
    await waitFor(() => publishes() === 1, 'first poll');
    await waitFor(() => delivered.length === 1, 'refresh records');
    assert.deepEqual(methods(), ['Login', 'CreateSubscription', 'CreateMonitoredEvents', 'RefreshEvents', 'PublishEvents']);
    assert.equal(delivered[0].recs[0].recType, 'Refresh');
    assert.deepEqual(eventIds(), [a.eventId]);
    assert.deepEqual(subscribed, ['new']);
    const b = sim.raise();
    await clock.tickAsync(1000);
    await waitFor(() => delivered.length === 2, 'update');
    assert.equal(delivered[1].recs[0].recType, 'Update');
    assert.equal(delivered[1].recs[0].fields[0], b.eventId);
    await clock.tickAsync(1000);
    await waitFor(() => publishes() === 3, 'third poll');
    assert.deepEqual(acksSent(sim), [undefined, 1, 2]);
    const { sessionId, subscriptionId, ack } = p.cursor!;
    assert.deepEqual({ sessionId, subscriptionId, ack }, { sessionId: session.id, subscriptionId: 1, ack: 2 });
    assert.equal(typeof p.cursor?.lastEventTime, 'number', 'the cursor carries the newest event time for a backfill');
  });

  it('should keep the ack after an empty answer', async () => {
    await setup();
    sim.raise();
    const p = poller();
    p.start();
    await waitFor(() => delivered.length === 1, 'refresh');
    for (let i = 0; i < 3; i++) {
      await clock.tickAsync(1000);
      await waitFor(() => publishes() === i + 2, `poll ${i + 2}`);
    }
    assert.deepEqual(acksSent(sim), [undefined, 1, 1, 1]);
    assert.equal(delivered.length, 1);
  });

  it('should move the ack only after the consumer resolved', async () => {
    await setup();
    sim.raise();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const cursors: Array<Cursor | undefined> = [];
    const p = poller({
      consumer: async (packet) => {
        delivered.push(packet);
        await gate;
      },
    });
    p.on('cursor', (c) => cursors.push(c));
    p.start();
    await waitFor(() => delivered.length === 1, 'delivery');
    await clock.tickAsync(5000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(publishes(), 1, 'no poll while the consumer is busy');
    assert.equal(p.cursor?.ack, undefined);
    release();
    await waitFor(() => p.cursor?.ack === 1, 'ack moved');
    assert.equal(cursors[cursors.length - 1]?.ack, 1);
    await clock.tickAsync(1000);
    await waitFor(() => publishes() === 2, 'second poll');
    assert.deepEqual(acksSent(sim), [undefined, 1]);
  });

  it('should deliver the same packet again when the consumer failed, and not move the ack', async () => {
    await setup();
    sim.raise();
    let calls = 0;
    const p = poller({
      consumer: (packet) => {
        calls += 1;
        if (calls === 1) throw new Error('downstream failed');
        delivered.push(packet);
      },
    });
    const failures: number[] = [];
    p.on('failure', (f) => failures.push(f.retryInMs));
    p.start();
    await waitFor(() => failures.length === 1, 'failure');
    await clock.tickAsync(900);
    await waitFor(() => delivered.length === 1, 'redelivery');
    assert.deepEqual(acksSent(sim), [undefined, undefined]);
    assert.equal(delivered[0].sequenceNumber, 1);
  });

  it('should drain hasMore at once without waiting for the poll interval', async () => {
    await setup({ packetSize: 2 });
    for (let i = 0; i < 5; i++) sim.raise();
    const p = poller();
    p.start();
    await waitFor(() => eventIds().length === 5, 'all records');
    assert.deepEqual(acksSent(sim), [undefined, 1, 2]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(publishes(), 3, 'the last packet had hasMore false, so the poller waits');
  });

  it('should keep one PublishEvents in flight: a refresh request and the poll interval wait for the answer', async () => {
    await setup();
    sim.raise();
    let inFlight = 0;
    let most = 0;
    let hold: Promise<void> | undefined;
    // The client as the poller sees it, counting overlapping polls and able to hold an answer back.
    const counting: PollerClient = Object.assign(Object.create(client) as MasterScadaClient, {
      publishEvents: async (...args: Parameters<MasterScadaClient['publishEvents']>) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        try {
          const packet = await client.publishEvents(...args);
          await hold;
          return packet;
        } finally {
          inFlight -= 1;
        }
      },
    });
    const p = poller({ client: counting });
    p.start();
    await waitFor(() => p.cursor?.ack === 1, 'first ack');
    let release!: () => void;
    hold = new Promise<void>((resolve) => (release = resolve));
    const b = sim.raise();
    await clock.tickAsync(1000);
    await waitFor(() => inFlight === 1 && publishes() === 2, 'a poll whose answer is held back');
    const refreshed = p.refresh();
    await clock.tickAsync(10_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(publishes(), 2, 'no second PublishEvents while one is in flight');
    assert.equal(sim.requestsFor('RefreshEvents').length, 1, 'RefreshEvents waits for the poll in flight');
    hold = undefined;
    release();
    await refreshed;
    await waitFor(() => delivered.length === 3, 'the held packet, then the refresh records');
    assert.deepEqual(eventIds().slice(0, 2), [delivered[0].recs[0].fields[0], b.eventId]);
    assert.deepEqual(methods().slice(4), ['PublishEvents', 'PublishEvents', 'RefreshEvents', 'PublishEvents']);
    assert.deepEqual(acksSent(sim), [undefined, 1, 2]);
    assert.equal(most, 1);
  });

  it('should drop a repeated packet (sequenceNumber equal to the ack)', async () => {
    await setup();
    sim.raise();
    const p = poller();
    const duplicates: number[] = [];
    p.on('duplicate', (d) => duplicates.push(d.sequenceNumber));
    p.start();
    await waitFor(() => delivered.length === 1, 'refresh');
    sim.repeatLastPacket();
    await clock.tickAsync(1000);
    await waitFor(() => duplicates.length === 1, 'duplicate');
    assert.deepEqual(duplicates, [1]);
    assert.equal(delivered.length, 1);
    await clock.tickAsync(1000);
    await waitFor(() => publishes() === 3, 'third poll');
    assert.deepEqual(acksSent(sim), [undefined, 1, 1]);
  });

  it('should keep in the cursor the keys of the last 50 events delivered at the newest event time, and only those', async () => {
    let now = 1_764_610_000_000;
    await setup({ now: () => now, packetSize: 25 });
    const p = poller();
    p.start();
    await waitFor(() => publishes() === 1, 'first poll');
    const raised = Array.from({ length: 60 }, () => sim.raise().eventId);
    await clock.tickAsync(1000);
    await waitFor(() => eventIds().length === 60, 'the 60 events');
    const key = (id: string, t: number): string => `${SELECTION.clientHandle}|${id}|${t}`;
    assert.equal(p.cursor?.lastEventTime, now);
    assert.deepEqual(p.cursor?.lastEventKeys, raised.slice(-50).map((id) => key(id, now)), 'the newest 50 of one time, oldest first');
    now += 1;
    const later = sim.raise().eventId;
    await clock.tickAsync(1000);
    await waitFor(() => eventIds().length === 61, 'the event of a later time');
    assert.equal(p.cursor?.lastEventTime, now);
    assert.deepEqual(p.cursor?.lastEventKeys, [key(later, now)], 'a newer time starts the list again');
  });

  it('should report a gap, read the lost events from the archive as Archive records, then RefreshEvents', async () => {
    await setup({ packetSize: 1 });
    const first = sim.raise();
    const p = poller();
    const gaps: Array<Record<string, unknown>> = [];
    p.on('gap', (g) => gaps.push(g));
    p.start();
    await waitFor(() => delivered.length === 1, 'refresh');
    await clock.tickAsync(1000);
    await waitFor(() => publishes() === 2, 'ack 1 reached the server');
    const lost = sim.raise();
    const kept = sim.raise();
    sim.overflowQueues();
    await clock.tickAsync(1000);
    await waitFor(() => gaps.length === 1, 'gap');
    assert.deepEqual(gaps.map((g) => [g.expected, g.received, g.subscriptionId]), [[2, 3, 1]]);
    assert.deepEqual({ ...(gaps[0].backfill as object), from: 0, to: 0 }, { recovered: 1, complete: true, from: 0, to: 0 });
    const archived = delivered.flatMap((pk) => pk.recs.filter((r) => r.recType === 'Archive').map((r) => r.fields[0]));
    assert.deepEqual(archived, [lost.eventId], 'only the event of the lost packet comes from the archive');
    const archiveRead = sim.requestsFor('GetArchivedEvents')[0].body as Record<string, unknown>;
    assert.deepEqual(Object.keys(archiveRead).sort(), ['archiveId', 'continuationPoint', 'endTime', 'fields', 'inverse', 'itemId', 'maxRecs', 'maxSize', 'path', 'sessionId', 'startTime', 'timeout'].filter((k) => k !== 'continuationPoint').sort());
    // No clock tick: the refresh follows the gap at once.
    await waitFor(() => sim.requestsFor('RefreshEvents').length === 2, 'second RefreshEvents');
    await waitFor(() => delivered.slice(1).some((pk) => pk.recs.some((r) => r.recType === 'Refresh' && r.fields[0] === lost.eventId)), 'refreshed picture');
    const refreshed = delivered.slice(1).flatMap((pk) => pk.recs.filter((r) => r.recType === 'Refresh').map((r) => r.fields[0]));
    assert.ok(refreshed.includes(lost.eventId), 'the lost alarm comes back through Refresh');
    assert.ok(eventIds().includes(kept.eventId));
    assert.ok(eventIds().includes(first.eventId));
  });

  it('should mark the archive records of a gap as redelivered when the gap packet was in flight at a crash', async () => {
    await setup({ packetSize: 1 });
    sim.raise();
    const store = new MemoryCursorStore();
    const infos: Array<[string, boolean]> = [];
    const consumer = (pk: EventPacket, info: DeliveryInfo): void => {
      delivered.push(pk);
      for (const r of pk.recs) infos.push([r.recType, info.redelivered]);
    };
    const first = poller({ store, consumer });
    first.start();
    await waitFor(() => delivered.length === 1, 'refresh');
    await clock.tickAsync(1000);
    await waitFor(() => publishes() === 2, 'ack 1 reached the server');
    await first.stop();
    const lost = sim.raise();
    sim.raise();
    sim.overflowQueues();
    // The previous run died while handing on packet 3, the first after the gap (its archive read included).
    await store.save({ ...store.current!, inFlight: 3 });
    const again = poller({ store, consumer });
    again.start();
    // On a loaded machine a timer of the fake clock (a retry) may stand between start and packet 3: tick only when stalled.
    const reached = (): boolean => (again.cursor?.ack ?? 0) >= 3 && infos.length >= 3;
    for (let stalls = 0; stalls < 5 && !reached(); stalls++) {
      await waitFor(reached, 'packet 3 again', 2000).catch(() => clock.tickAsync(1000));
    }
    assert.ok(reached(), 'packet 3 again');
    const archived = delivered.flatMap((pk) => pk.recs.filter((r) => r.recType === 'Archive').map((r) => r.fields[0]));
    assert.deepEqual(archived, [lost.eventId]);
    assert.deepEqual(infos.slice(1, 3), [['Archive', true], ['Update', true]], 'everything the crashed run may have sent is marked');
  });

  for (const [fault, reason, logins] of [
    ['expireSessions', 'session-lost', 2],
    ['restart', 'session-lost', 2],
    ['loseSubscriptions', 'subscription-lost', 1],
  ] as const) {
    it(`should subscribe again and refresh after ${fault}, without a backoff delay`, async () => {
      await setup();
      const alarm = sim.raise();
      const p = poller();
      const failures: unknown[] = [];
      p.on('failure', (f) => failures.push(f.error));
      p.start();
      await waitFor(() => delivered.length === 1, 'refresh');
      sim[fault]();
      await clock.tickAsync(1000);
      await waitFor(() => delivered.length === 2, 're-refresh');
      assert.deepEqual(subscribed, ['new', reason]);
      assert.equal(sim.requestsFor('Login').length, logins);
      assert.equal(sim.requestsFor('CreateSubscription').length, 2);
      assert.equal(sim.requestsFor('RefreshEvents').length, 2);
      assert.equal(delivered[1].recs[0].fields[0], alarm.eventId);
      assert.equal(delivered[1].recs[0].recType, 'Refresh');
      assert.deepEqual(failures, []);
      assert.equal(acksSent(sim).at(-1), undefined, 'a new subscription starts without an ack');
    });
  }

  it('should resume a stored cursor with its ack, without logging in or subscribing again', async () => {
    await setup();
    sim.raise();
    const first = poller();
    first.start();
    await waitFor(() => first.cursor?.ack === 1, 'first ack');
    await first.stop();
    const cursor = first.cursor!;
    const before = eventIds().length;
    const next = sim.raise();
    // A new process: a new session owner that has never logged in; the old one ended without logging out.
    await session.close({ logout: false });
    session = new MasterScadaSession(client, { login: 'demo', password: 'demo' });
    const logins = sim.requestsFor('Login').length;
    const second = poller({ cursor });
    second.start();
    await waitFor(() => eventIds().length === before + 1, 'resumed delivery');
    assert.equal(eventIds().at(-1), next.eventId);
    assert.equal(sim.requestsFor('Login').length, logins);
    assert.equal(sim.requestsFor('CreateSubscription').length, 1);
    assert.equal(acksSent(sim).at(-1), 1);
    assert.deepEqual(subscribed, ['new']);
  });

  it('should re-subscribe and refresh when the stored subscription is gone', async () => {
    await setup();
    const alarm = sim.raise();
    const first = poller();
    first.start();
    await waitFor(() => first.cursor?.ack === 1, 'first ack');
    await first.stop();
    sim.loseSubscriptions();
    const second = poller({ cursor: first.cursor });
    second.start();
    await waitFor(() => delivered.some((pk) => pk.recs.some((r) => r.recType === 'Refresh' && r.fields[0] === alarm.eventId)) && delivered.length >= 2, 'refresh after loss');
    assert.deepEqual(subscribed, ['new', 'subscription-lost']);
    assert.ok(sim.requestsFor('GetArchivedEvents').length >= 1, 'the archive was read from the last delivered event on');
  });

  it('should re-subscribe when the stored cursor belongs to a session that has expired', async () => {
    await setup();
    sim.raise();
    const first = poller();
    first.start();
    await waitFor(() => first.cursor?.ack === 1, 'first ack');
    await first.stop();
    sim.expireSessions();
    await session.close();
    session = new MasterScadaSession(client, { login: 'demo', password: 'demo' });
    const second = poller({ cursor: first.cursor });
    second.start();
    await waitFor(() => delivered.some((pk, i) => i > 0 && pk.recs.some((r) => r.recType === 'Refresh')), 'refresh after session loss');
    assert.deepEqual(subscribed, ['new', 'session-lost']);
    assert.equal(sim.requestsFor('Login').length, 2);
  });

  it('should back off with capped exponential delays on transport errors and move liveness only on answers', async () => {
    await setup();
    const p = poller();
    const delays: number[] = [];
    p.on('failure', (f) => delays.push(f.retryInMs));
    p.start();
    await waitFor(() => p.lastAnswerAt !== undefined, 'first answer');
    const alive = p.lastAnswerAt;
    assert.equal(alive, clock.now);
    sim.inject({ kind: 'http500', method: 'PublishEvents', times: 5 });
    await clock.tickAsync(1000);
    const expected = [900, 1800, 3600, 7200, 7200];
    for (let i = 0; i < expected.length; i++) {
      await waitFor(() => delays.length === i + 1, `failure ${i + 1}`);
      assert.equal(p.lastAnswerAt, alive, 'a failed request does not count as an answer');
      const count = publishes();
      await clock.tickAsync(expected[i] - 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(publishes(), count, `no retry before ${expected[i]} ms`);
      await clock.tickAsync(1);
      await waitFor(() => publishes() === count + 1, `retry ${i + 1}`);
    }
    assert.deepEqual(delays, expected);
    await waitFor(() => p.lastAnswerAt !== alive, 'answer after recovery');
    assert.equal(p.lastAnswerAt, clock.now);
    assert.equal(p.state, 'polling');
  });

  it('should retry a dropped answer with the same ack and deliver its records once', async () => {
    await setup();
    sim.raise();
    const p = poller();
    p.start();
    await waitFor(() => p.cursor?.ack === 1, 'first ack');
    const b = sim.raise();
    sim.inject({ kind: 'drop', method: 'PublishEvents' });
    await clock.tickAsync(1000);
    await waitFor(() => sim.requestsFor('PublishEvents').some((r) => r.fault === 'drop'), 'dropped answer');
    await waitFor(() => p.state === 'backoff', 'backoff');
    await clock.tickAsync(900);
    await waitFor(() => p.cursor?.ack === 2, 'second ack');
    assert.deepEqual(acksSent(sim), [undefined, 1, 1]);
    assert.deepEqual(eventIds().filter((id) => id === b.eventId), [b.eventId]);
  });

  it('should stop on a rejected login with one CONFIG error, and try again only on connect()', async () => {
    await setup();
    await session.close();
    session = new MasterScadaSession(client, { login: 'demo', password: 'wrong' });
    const p = poller();
    const halts: unknown[] = [];
    const failures: unknown[] = [];
    p.on('halted', (f) => halts.push(f.error));
    p.on('failure', (f) => failures.push(f.error));
    p.start();
    await waitFor(() => halts.length === 1, 'halt');
    assert.equal((halts[0] as { code?: string }).code, 'CONFIG');
    assert.match(String((halts[0] as Error).message), /login and password/);
    assert.equal(p.state, 'halted');
    await clock.tickAsync(600_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(sim.requestsFor('Login').length, 1, 'no second login without connect()');
    assert.deepEqual(failures, [], 'no retry countdown');
    await assert.rejects(p.refresh(), (e: { code?: string }) => e.code === 'CONFIG');
    p.connect();
    await waitFor(() => sim.requestsFor('Login').length === 2, 'login after connect()');
    await waitFor(() => halts.length === 2, 'second halt');
    assert.equal(publishes(), 0);
  });

  it('should back off to the poll interval and warn once when hasMore comes without progress', async () => {
    await setup();
    const warns: string[] = [];
    const p = poller({ logger: { ...silentLogger, warn: (m: string) => warns.push(m) } });
    const stalls: unknown[] = [];
    p.on('stalled', (x) => stalls.push(x));
    p.start();
    await waitFor(() => publishes() === 1, 'first poll');
    sim.inject({ kind: 'raw', method: 'PublishEvents', times: 1000, body: JSON.stringify({ code: 0, subscriptionId: 1, hasMore: true, serverTime: '1' }) });
    await clock.tickAsync(1000);
    await waitFor(() => stalls.length === 1, 'stall');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(publishes(), 2, 'no poll without the interval passing');
    for (let i = 0; i < 3; i++) {
      await clock.tickAsync(1000);
      await waitFor(() => publishes() === 3 + i, 'one poll per interval');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(stalls.length, 4, 'each stalled answer is reported');
    assert.equal(warns.filter((w) => /hasMore/.test(w)).length, 1, 'warned once');
    sim.clearFaults();
    sim.raise();
    sim.repeatLastPacket();
    await clock.tickAsync(1000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(publishes() <= 7, `polled ${publishes()} times without progress`);
  });

  it('should store the packet in flight before handing it on and the ack before sending it, and mark a packet in flight at a crash as redelivered', async () => {
    await setup();
    sim.raise();
    const { store, saves } = recordingStore();
    const infos: DeliveryInfo[] = [];
    const first = poller({ store, consumer: (pk, info) => void (delivered.push(pk), infos.push(info)) });
    first.start();
    await waitFor(() => first.cursor?.ack === 1, 'ack 1');
    sim.raise();
    await clock.tickAsync(1000);
    await waitFor(() => first.cursor?.ack === 2, 'ack 2');
    await clock.tickAsync(1000);
    await waitFor(() => publishes() === 3, 'third poll');
    // Every ack the runtime received was stored before the request went out.
    acksSent(sim).forEach((ack, i) => {
      if (ack === undefined) return;
      assert.ok(saves.some((x) => x.ack === ack && x.inFlight === undefined && x.publishes <= i), `ack ${ack} sent before it was stored`);
    });
    const inFlightSave = saves.find((x) => x.inFlight === 2);
    assert.ok(inFlightSave && saves.indexOf(inFlightSave) < saves.findIndex((x) => x.ack === 2), 'in-flight stored before the ack');
    await first.stop();
    // A crash while packet 3 was being handed on: the stored cursor says so.
    sim.raise();
    await store.save({ ...store.current!, inFlight: 3 });
    const again = poller({ store, consumer: (pk, info) => void (delivered.push(pk), infos.push(info)) });
    again.start();
    await waitFor(() => again.cursor?.ack === 3, 'packet 3 again');
    assert.deepEqual(infos.map((x) => x.redelivered), [false, false, true]);
    sim.raise();
    await clock.tickAsync(1000);
    await waitFor(() => again.cursor?.ack === 4, 'packet 4');
    assert.equal(infos.at(-1)?.redelivered, false, 'only the packet in flight is marked');
    assert.deepEqual(subscribed, ['new'], 'resumed without subscribing anew');
  });

  it('should write the cursor once per packet while draining: the ack of one packet and the in-flight mark of the next together', async () => {
    await setup({ packetSize: 1 });
    for (let i = 0; i < 5; i++) sim.raise();
    const { store, saves } = recordingStore();
    const atHandOver: Array<{ seq?: number; inFlight?: number }> = [];
    const p = poller({
      store,
      consumer: (pk) => {
        atHandOver.push({ seq: pk.sequenceNumber, inFlight: store.current?.inFlight });
        delivered.push(pk);
      },
    });
    p.start();
    await waitFor(() => p.cursor?.ack === 5, 'ack 5');
    // The in-flight mark of every packet was stored before it was handed on.
    assert.deepEqual(
      atHandOver.map((x) => x.inFlight),
      atHandOver.map((x) => x.seq),
    );
    // Every ack the runtime received was stored before the request that carried it went out.
    acksSent(sim).forEach((ack, i) => {
      if (ack === undefined) return;
      assert.ok(saves.some((x) => x.ack === ack && x.publishes <= i), `ack ${ack} sent before it was stored`);
    });
    const fromFirstAck = saves.slice(saves.findIndex((x) => x.ack === 1));
    assert.deepEqual(
      fromFirstAck.map((x) => [x.ack, x.inFlight]),
      [
        [1, 2],
        [2, 3],
        [3, 4],
        [4, 5],
        [5, undefined],
      ],
      'one write per packet; the last of the drain marks nothing ahead',
    );
  });

  it('should take back a mark stored ahead when stopped before that packet came', async () => {
    await setup({ packetSize: 1 });
    for (let i = 0; i < 4; i++) sim.raise();
    const store = new MemoryCursorStore();
    let stopping: Promise<void> | undefined;
    const p = poller({
      store,
      consumer: (pk) => {
        delivered.push(pk);
        if (pk.sequenceNumber === 2) stopping = p.stop();
      },
    });
    p.start();
    await waitFor(() => stopping !== undefined, 'packet 2');
    await stopping;
    assert.equal(store.current?.ack, 2);
    assert.equal(store.current?.inFlight, undefined, 'packet 3 never came, so a later run must not mark it redelivered');
  });

  it('should refresh on request and resolve once RefreshEvents succeeded', async () => {
    await setup();
    sim.raise();
    const p = poller();
    p.start();
    await waitFor(() => delivered.length === 1, 'refresh');
    await p.refresh();
    assert.equal(sim.requestsFor('RefreshEvents').length, 2);
    await waitFor(() => delivered.length === 2, 'refresh records');
    assert.equal(delivered[1].recs[0].recType, 'Refresh');
  });

  it('should reset: delete the old subscription, subscribe anew and start without an ack', async () => {
    await setup();
    sim.raise();
    const p = poller();
    p.start();
    await waitFor(() => p.cursor?.ack === 1, 'ack');
    await p.reset();
    assert.deepEqual(sim.requestsFor('DeleteSubscription').map((r) => (r.body as { subscriptionId: number }).subscriptionId), [1]);
    assert.equal(p.cursor?.subscriptionId, 2);
    await waitFor(() => delivered.length === 2, 'refresh after reset');
    assert.deepEqual(subscribed, ['new', 'reset']);
    assert.equal(sim.subscriptionCount, 1);
  });

  it('should send nothing after stop, and delete the subscription when asked', async () => {
    await setup();
    const p = poller();
    p.start();
    await waitFor(() => publishes() === 1, 'first poll');
    await p.stop({ deleteSubscription: true });
    const count = sim.requests.length;
    await clock.tickAsync(60_000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(sim.requests.length, count);
    assert.equal(sim.requestsFor('DeleteSubscription').length, 1);
    assert.equal(sim.subscriptionCount, 0);
    assert.equal(p.state, 'stopped');
    await assert.rejects(p.refresh(), /stopped/);
  });

  it('should share one login between pollers that start together', async () => {
    await setup();
    const a = poller();
    const b = poller({ selections: [{ ...SELECTION, clientHandle: 2 }] });
    a.start();
    b.start();
    await waitFor(() => publishes() >= 2, 'both polling');
    assert.equal(sim.requestsFor('Login').length, 1);
    assert.equal(sim.requestsFor('CreateSubscription').length, 2);
  });

  it('should keep polling and never move into recovery when its state, failure, cursor and answer listeners throw', async () => {
    await setup();
    sim.raise();
    const warnings: string[] = [];
    const p = poller({ logger: { ...silentLogger, warn: (m) => warnings.push(m) } });
    const failures: unknown[] = [];
    const answers: Array<number | undefined> = [];
    p.on('failure', (f) => failures.push(f.error));
    for (const event of ['state', 'failure', 'cursor', 'answer'] as const) {
      p.on(event, () => {
        throw new Error(`${event} listener bug`);
      });
    }
    p.on('answer', (info) => answers.push(info.sequenceNumber));
    p.start();
    await waitFor(() => delivered.length === 1, 'refresh records');
    sim.raise();
    await clock.tickAsync(1000);
    await waitFor(() => delivered.length === 2, 'update');
    await clock.tickAsync(1000);
    await waitFor(() => publishes() === 3, 'third poll');
    assert.deepEqual(acksSent(sim), [undefined, 1, 2], 'the ack moved on every answer');
    assert.deepEqual(failures, [], 'no listener error counted as a failed step');
    assert.equal(p.state, 'polling');
    assert.deepEqual(answers.slice(0, 2), [1, 2], 'the listeners after a throwing one still ran');
    assert.equal(delivered.length, 2, 'nothing delivered twice');
    assert.ok(warnings.some((w) => /a cursor listener failed: cursor listener bug/.test(w)));
    // A failure whose listeners throw is still retried after its backoff.
    sim.inject({ kind: 'http500', method: 'PublishEvents' });
    await clock.tickAsync(1000);
    await waitFor(() => failures.length === 1, 'the failure');
    await clock.tickAsync(1000);
    await waitFor(() => publishes() === 5, 'the retry after the backoff');
  });

  it('should halt on a pasted session that died (an error no retry cures), and try it again only on connect()', async () => {
    await setup();
    const { sessionId } = await client.login('demo', 'demo');
    await session.close();
    session = new MasterScadaSession(client, { fixedSessionId: String(sessionId) });
    const p = poller();
    const halts: unknown[] = [];
    const failures: unknown[] = [];
    p.on('halted', (f) => halts.push(f.error));
    p.on('failure', (f) => failures.push(f.error));
    p.start();
    await waitFor(() => publishes() === 1, 'polling with the pasted session');
    sim.expireSessions();
    await clock.tickAsync(1000);
    await waitFor(() => halts.length === 1, 'halt');
    assert.equal((halts[0] as { code?: string }).code, 'SESSION');
    assert.equal((halts[0] as { retriable?: boolean }).retriable, false);
    assert.equal(p.state, 'halted');
    const count = sim.requests.length;
    await clock.tickAsync(600_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(sim.requests.length, count, 'nothing retried on a timer');
    assert.deepEqual(failures.filter((e) => (e as { retriable?: boolean }).retriable === false), [], 'no retry countdown for it');
    p.connect();
    await waitFor(() => halts.length === 2, 'the same answer on connect()');
    assert.equal(sim.requestsFor('Login').length, 1, 'only the login made by the test itself');
  });

  it('should stay quiet after stop: one stopped state however often stop() is called, no request, no timer, no start again', async () => {
    await setup();
    const p = poller();
    const states: string[] = [];
    const failures: unknown[] = [];
    p.on('state', (s) => states.push(s.state));
    p.on('failure', (f) => failures.push(f.error));
    p.start();
    await waitFor(() => publishes() === 1, 'first poll');
    await p.stop();
    await p.stop();
    p.start();
    const count = sim.requests.length;
    await clock.tickAsync(60_000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(sim.requests.length, count);
    assert.equal(clock.countTimers(), 0, 'no timer left');
    assert.deepEqual(states.filter((s) => s === 'stopped'), ['stopped']);
    assert.equal(states.at(-1), 'stopped');
    assert.deepEqual(failures, []);
    assert.equal(p.state, 'stopped');
  });
});
