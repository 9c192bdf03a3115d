import type { NodeAPI } from 'node-red';
import { ConfigError } from '../../src/shared/errors';
import type { TlsOptions } from '../../src/shared/tls-options';

interface TlsConfigNode {
  addTLSOptions(options: Record<string, unknown>): void;
}

/** Read a core `tls-config` node into plain TLS options (undefined when none is selected). */
export function tlsOptionsFrom(RED: NodeAPI, tlsNodeId: string | undefined): TlsOptions | undefined {
  if (!tlsNodeId) return undefined;
  const node = RED.nodes.getNode(tlsNodeId) as unknown as Partial<TlsConfigNode> | null;
  if (!node || typeof node.addTLSOptions !== 'function') {
    throw new ConfigError('the selected TLS configuration node is missing or disabled');
  }
  const options: Record<string, unknown> = {};
  node.addTLSOptions(options);
  return options as TlsOptions;
}
