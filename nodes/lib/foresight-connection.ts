import type { Node } from 'node-red';
import type { PpsomClient } from '../../src/foresight/client';
import type { ForesightSession } from '../../src/foresight/session';
import type { TlsOptions } from '../../src/shared/http';
import type { Logger } from '../../src/shared/logger';
import { redact } from '../../src/shared/logger';

/** What a `foresight-server` config node offers the nodes that use it. */
export interface ForesightConnection {
  client: PpsomClient;
  session: ForesightSession;
  wsPathPrefix: string;
  tls?: TlsOptions;
  /** Password and monikers, to mask in any text that leaves the package. */
  secrets(): string[];
}

export interface ForesightServerNode extends Node {
  /** Undefined when the settings are unusable; `configError` then says why. */
  readonly foresight: ForesightConnection | undefined;
  readonly configError: Error | undefined;
}

/** A Logger that writes through a node's own log methods with every secret masked. */
export function nodeLogger(node: Node, secrets: () => ReadonlyArray<string | undefined>): Logger {
  return {
    debug: (m) => node.debug(redact(m, secrets())),
    info: (m) => node.log(redact(m, secrets())),
    warn: (m) => node.warn(redact(m, secrets())),
  };
}
