/**
 * The one status vocabulary every node uses, so a Status node and a person
 * reading the editor see the same colours for the same situations.
 */
export type StatusKind = 'idle' | 'connecting' | 'connected' | 'busy' | 'reconnecting' | 'warning' | 'error' | 'stopped';

export interface NodeStatusShape {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

const LOOK: Record<StatusKind, Required<Omit<NodeStatusShape, 'text'>>> = {
  idle: { fill: 'grey', shape: 'dot' },
  connecting: { fill: 'yellow', shape: 'ring' },
  connected: { fill: 'green', shape: 'dot' },
  busy: { fill: 'blue', shape: 'dot' },
  reconnecting: { fill: 'yellow', shape: 'ring' },
  warning: { fill: 'yellow', shape: 'dot' },
  error: { fill: 'red', shape: 'ring' },
  stopped: { fill: 'grey', shape: 'ring' },
};

/** Node-RED shows about 20-30 characters comfortably; longer text is cut. */
const MAX_STATUS_TEXT = 40;

export function status(kind: StatusKind, text: string): NodeStatusShape {
  const clipped = text.length > MAX_STATUS_TEXT ? `${text.slice(0, MAX_STATUS_TEXT - 1)}…` : text;
  return { ...LOOK[kind], text: clipped };
}

/** Seconds for a reconnect countdown ("12", "1.5"); the words around it belong to each locale's text. */
export function seconds(ms: number): string {
  const s = ms / 1000;
  return String(s >= 10 ? Math.round(s) : Math.round(s * 10) / 10);
}
