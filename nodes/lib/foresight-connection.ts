import type { Node } from 'node-red';
import type { UsersOf } from './config-users';
import type { PpsomClient } from '../../src/foresight/client';
import type { ForesightSession } from '../../src/foresight/session';
import type { MonitoringIdEncoding } from '../../src/foresight/vendor';
import type { TlsOptions } from '../../src/shared/tls-options';

/** What a `foresight-server` config node offers the nodes that use it. */
export interface ForesightConnection {
  client: PpsomClient;
  session: ForesightSession;
  wsPathPrefix: string;
  /** How the monitoring token goes into the socket address (the vendor's plain form by default). */
  wsIdEncoding: MonitoringIdEncoding;
  tls?: TlsOptions;
  /** Password and monikers, to mask in any text that leaves the package. */
  secrets(): string[];
}

export interface ForesightServerNode extends Node, UsersOf {
  /** Undefined when the settings are unusable; `configError` then says why. */
  readonly foresight: ForesightConnection | undefined;
  readonly configError: Error | undefined;
}
