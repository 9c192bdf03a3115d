/**
 * What each node shows for what its engine reports: pure functions of the
 * engine's state or failure, in the vocabulary of `status.ts`, so every
 * colour and text can be checked without a runtime.
 */
import type { MonitorStatus } from '../../src/foresight/bpm-monitor';
import type { FleetStatus } from '../../src/foresight/bpm-fleet';
import type { PollerState } from '../../src/masterscada/event-poller';
import type { NodeStatusShape, StatusKind, StatusWords } from './status';
import { status } from './status';

/** A status and the state it stands for, which decides what may replace it. */
export interface StatusView {
  kind: StatusKind;
  status: NodeStatusShape;
}

// ---- bpm-monitor ----

export function monitorStatus(words: StatusWords, s: MonitorStatus): NodeStatusShape {
  switch (s.state) {
    case 'resolving':
      return words.plain('connecting', 'resolving');
    case 'connecting':
      return words.plain('connecting', 'connecting');
    case 'connected':
      return words.plain('connected', 'connected');
    case 'reconnecting':
      return words.retrying(s.error, s.retryInMs ?? 0);
    case 'failed':
      return words.failed(s.error);
    case 'stopped':
      return words.plain('stopped', 'closed');
    default:
      return status('idle', '');
  }
}

/**
 * *All running instances*: "12 instances, 12 connected" (green dot) when every
 * followed instance has its socket, a yellow ring while some connect, a yellow
 * dot when the socket limit leaves instances without one.
 */
export function fleetStatus(words: StatusWords, s: FleetStatus): NodeStatusShape {
  const counts = { count: s.instances, m: s.connected, w: s.waiting };
  switch (s.state) {
    case 'watching':
      if (s.instances === 0) return words.plain('connected', 'noInstances');
      if (s.waiting > 0) return words.counted('warning', 'instancesOverLimit', counts);
      return words.counted(s.connected === s.instances ? 'connected' : 'connecting', 'instances', counts);
    default:
      // The list's own states read as those of one monitor.
      return monitorStatus(words, { ...s, state: s.state });
  }
}

// ---- scada-events ----

const view = (kind: StatusKind, shape: NodeStatusShape): StatusView => ({ kind, status: shape });

/** The view for a poller state, or undefined to keep the one shown. */
export function pollerStateStatus(words: StatusWords, state: PollerState, shown: StatusKind | undefined): StatusView | undefined {
  if (state === 'connecting') return view('connecting', words.plain('connecting', 'connecting'));
  if (state === 'polling') return pollingStatus(words, shown);
  return undefined;
}

/** "polling", unless the status already says something more useful (a count, a warning): then undefined. */
export function pollingStatus(words: StatusWords, shown: StatusKind | undefined): StatusView | undefined {
  return shown === 'connected' || shown === 'warning' ? undefined : view('connected', words.plain('connected', 'polling'));
}

/** "12 events at 10:41:07": the events delivered since the count was last shown. */
export function eventCountStatus(words: StatusWords, count: number, at: Date): StatusView {
  return view('connected', words.counted('connected', 'events', { count, time: at.toTimeString().slice(0, 8) }));
}

/** Working, with something to know: subscribed again, or events lost and refreshed. */
export function pollerNoticeStatus(words: StatusWords, notice: 'resubscribed' | 'gap'): StatusView {
  return view('warning', words.plain('warning', notice));
}

/** A failed step: a countdown while the poller retries; a red dot for one that will not heal by itself (an ended pasted session). */
export function pollerFailureStatus(words: StatusWords, error: unknown, retryInMs: number): StatusView {
  const retriable = (error as { retriable?: boolean } | null | undefined)?.retriable !== false;
  return retriable ? view('retrying', words.retrying(error, retryInMs)) : view('error', words.failed(error));
}
