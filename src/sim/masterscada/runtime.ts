import type { StatusName } from '../../masterscada/status-codes';
import { SimAcknowledger } from './acknowledge';
import type { AckRefusal } from './acknowledge';
import { encodeTime } from './encoding';
import type { TimeEncoding } from './encoding';
import { EventStore } from './events';
import type { AlarmSpec } from './events';
import type { SimEvent } from './selection';
import { SessionTable } from './sessions';
import { SubscriptionTable } from './subscriptions';
import type { PublishAnswer } from './subscriptions';

export { SimStatus } from './sim-status';
export type { SimEvent, SimSelection } from './selection';
export type { PublishAnswer } from './subscriptions';

export interface RuntimeOptions {
  /** Journal entries kept for GetArchivedEvents; the oldest are dropped beyond this. */
  archiveSize: number;
  accounts: Record<string, string>;
  allowAnonymous: boolean;
  sessionTimeMs: number;
  queueSize: number;
  packetSize: number;
  timeEncoding: TimeEncoding;
  now: () => number;
}

/**
 * The state of a simulated MasterSCADA 4D runtime, one method per API call
 * and per scripted fault, over its sessions (sessions.ts), subscriptions with
 * their packet queues (subscriptions.ts) and alarms (events.ts). No I/O here.
 */
export class SimRuntime {
  projectId = 'sim-project-1';
  projectSessionId = 1;
  private readonly subscriptions: SubscriptionTable;
  private readonly sessions: SessionTable;
  private readonly alarms: EventStore;
  private readonly acknowledger: SimAcknowledger;

  constructor(readonly options: RuntimeOptions) {
    this.subscriptions = new SubscriptionTable(options);
    this.sessions = new SessionTable(options, (id) => this.subscriptions.endSession(id));
    this.alarms = new EventStore(options, (t) => this.subscriptions.deliver(t));
    this.acknowledger = new SimAcknowledger(this.alarms);
  }

  /** Current (active or unacknowledged) alarms by eventId. */
  get events(): ReadonlyMap<string, SimEvent> {
    return this.alarms.current;
  }

  /** Packets a full queue (or overflowQueues) dropped before they were acknowledged. */
  get dropped(): ReadonlyArray<{ subscriptionId: number; seq: number }> {
    return this.subscriptions.dropped;
  }

  login(login: unknown, password: unknown): { sessionId: string; sessionTime: number } {
    return this.sessions.login(login, password);
  }

  logout(sessionId: unknown): void {
    this.sessions.end(this.sessions.use(sessionId).id);
  }

  getState(sessionId: unknown): { operator: string } {
    return { operator: this.sessions.use(sessionId).operator };
  }

  createSubscription(sessionId: unknown): number {
    return this.subscriptions.create(this.sessions.use(sessionId).id);
  }

  deleteSubscription(sessionId: unknown, subscriptionId: unknown): void {
    this.subscriptions.delete(this.sessions.use(sessionId).id, subscriptionId);
  }

  createMonitoredEvents(sessionId: unknown, subscriptionId: unknown, items: unknown): StatusName[] {
    return this.subscriptions.addSelections(this.sessions.use(sessionId).id, subscriptionId, items);
  }

  refreshEvents(sessionId: unknown, subscriptionId: unknown): void {
    this.subscriptions.refresh(this.sessions.use(sessionId).id, subscriptionId, this.alarms.current.values());
  }

  publishEvents(sessionId: unknown, subscriptionId: unknown, ack: unknown): PublishAnswer {
    const session = this.sessions.use(sessionId);
    return this.subscriptions.publish(session.id, subscriptionId, ack, encodeTime(this.options.now(), this.options.timeEncoding));
  }

  getArchivedEvents(sessionId: unknown, body: Record<string, unknown>): { recs: Array<{ fields: unknown[] }>; continuationPoint?: string } {
    this.sessions.use(sessionId);
    return this.alarms.archived(body);
  }

  /** The acknowledge method (docs/masterscada.md#acknowledging-alarms, guessed): one status per eventId. */
  acknowledgeEvents(sessionId: unknown, eventIds: unknown, comment: unknown): StatusName[] {
    this.sessions.use(sessionId);
    return this.acknowledger.acknowledge(eventIds, comment);
  }

  /** The next acknowledgement(s) of an event (or of any) through the API are refused with a Bad status. */
  refuseAcknowledge(refusal: AckRefusal): void {
    this.acknowledger.refuse(refusal);
  }

  // ---- alarms -------------------------------------------------------------

  raise(spec: AlarmSpec): SimEvent {
    return this.alarms.raise(spec);
  }

  clear(eventId: string): SimEvent {
    return this.alarms.clear(eventId);
  }

  acknowledge(eventId: string, comment = ''): SimEvent {
    return this.alarms.acknowledge(eventId, comment);
  }

  /** `count` past journal entries spread over [from, to]; subscribers are not told. */
  seedArchive(count: number, from: number, to: number, spec: AlarmSpec = {}): void {
    this.alarms.seedArchive(count, from, to, spec);
  }

  /** Drop every current alarm and its history; subscribers are not told (for benchmarks). */
  forgetEvents(): void {
    this.alarms.forget();
  }

  // ---- faults -------------------------------------------------------------

  expireSessions(): void {
    this.sessions.endAll();
  }

  loseSubscriptions(): void {
    this.subscriptions.clear();
  }

  restart(): void {
    this.sessions.endAll();
    this.subscriptions.clear();
    this.projectSessionId += 1;
  }

  /** Drop the oldest queued packet of every subscription, as a full queue would (docs/masterscada.md#s4-publishevents: the client sees a gap). */
  overflowQueues(): void {
    this.subscriptions.overflow();
  }

  /** The next PublishEvents of every subscription repeats the packet sent last. */
  repeatLastPacket(): void {
    this.subscriptions.repeatLast();
  }

  get sessionCount(): number {
    return this.sessions.count;
  }

  get subscriptionCount(): number {
    this.sessions.sweep();
    return this.subscriptions.count;
  }

  /** Packets still queued, not yet acknowledged, over all live subscriptions. */
  get queuedPackets(): number {
    this.sessions.sweep();
    return this.subscriptions.queuedPackets;
  }
}
