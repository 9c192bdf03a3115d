import type { NodeMessage } from 'node-red';

/** The command a msg carries: `msg.action`, or a plain string payload (an Inject node's "refresh"), trimmed and lower-cased. */
export function commandOf(msg: NodeMessage & { action?: unknown }): string {
  const raw = typeof msg.action === 'string' ? msg.action : typeof msg.payload === 'string' ? msg.payload : '';
  return raw.trim().toLowerCase();
}
