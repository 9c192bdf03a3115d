import type { Node } from 'node-red';
import type { Logger } from '../../src/shared/logger';
import { redact } from '../../src/shared/logger';

/**
 * A Logger that writes through a node's own log methods with every secret
 * masked. `warnsToLog`: for engines whose every warning is also reported by
 * the node through `node.error`, so the Debug sidebar does not get it twice.
 */
export function nodeLogger(node: Node, secrets: () => ReadonlyArray<string | undefined>, options: { warnsToLog?: boolean } = {}): Logger {
  return {
    debug: (m) => node.debug(redact(m, secrets())),
    info: (m) => node.log(redact(m, secrets())),
    warn: options.warnsToLog ? (m) => node.log(redact(m, secrets())) : (m) => node.warn(redact(m, secrets())),
  };
}
