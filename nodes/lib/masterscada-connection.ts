import type { Node } from 'node-red';
import type { UsersOf } from './config-users';
import type { MasterScadaClient } from '../../src/masterscada/client';
import type { MasterScadaSession } from '../../src/masterscada/session';

/** What a `masterscada-server` config node offers the nodes that use it. */
export interface MasterScadaConnection {
  url: string;
  client: MasterScadaClient;
  session: MasterScadaSession;
  /** The pasted session id, if one is used (a credential: hash it, never store or log it). */
  fixedSessionId: string | undefined;
  /** Password and session ids, to mask in any text that leaves the package. */
  secrets(): string[];
}

export interface MasterScadaServerNode extends Node, UsersOf {
  /** Undefined when the settings are unusable; `configError` then says why. */
  readonly masterscada: MasterScadaConnection | undefined;
  readonly configError: Error | undefined;
}
