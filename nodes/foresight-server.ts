import type { Node, NodeAPI, NodeDef } from 'node-red';
import { PpsomClient } from '../src/foresight/client';
import { ForesightSession } from '../src/foresight/session';
import { DEFAULT_MONITORING_ID_ENCODING, normalisePathPrefix } from '../src/foresight/vendor';
import type { MonitoringIdEncoding } from '../src/foresight/vendor';
import { asError } from './lib/errors';
import type { ForesightConnection, ForesightServerNode } from './lib/foresight-connection';
import { nodeLogger } from './lib/node-logger';
import { registerTestConnection } from './lib/test-connection';
import { tlsOptionsFrom } from './lib/tls';
import { USER_CLEANUP_LIMIT_MS, acceptUsers } from './lib/config-users';

interface ForesightServerDef extends NodeDef {
  endpoint: string;
  repository: string;
  transport: 'json' | 'soap';
  wsPathPrefix: string;
  /** `vendor` (plain `…?id=` + token) or `percent-encoded`. */
  wsIdEncoding?: string;
  timeout: string | number;
  keepAlive: string | number;
  usetls: boolean;
  tls: string;
}

interface ForesightServerCredentials {
  username?: string;
  password?: string;
  moniker?: string;
}

type ServerNode = Node<ForesightServerCredentials> & Pick<ForesightServerNode, 'register' | 'deregister'> & { foresight?: ForesightConnection; configError?: Error };

export = function (RED: NodeAPI): void {
  function ForesightServer(this: Node<ForesightServerCredentials>, config: ForesightServerDef): void {
    RED.nodes.createNode(this, config);
    const node = this as ServerNode;
    const creds = node.credentials ?? {};
    const users = acceptUsers(node);
    const secrets = (): string[] => [creds.password, creds.moniker, ...(node.foresight?.session.secrets() ?? [])].filter((s): s is string => Boolean(s));
    try {
      const tls = config.usetls ? tlsOptionsFrom(RED, config.tls) : undefined;
      const client = new PpsomClient({
        endpoint: (config.endpoint ?? '').trim(),
        wireFormat: config.transport === 'soap' ? 'soap' : 'json',
        timeoutMs: seconds(config.timeout, 1),
        tls,
      });
      const session = new ForesightSession({
        client,
        repositoryId: (config.repository ?? '').trim() || undefined,
        user: creds.username ?? '',
        password: creds.password ?? '',
        connectionMoniker: creds.moniker?.trim() || undefined,
        keepAliveMs: seconds(config.keepAlive, 10),
        logger: nodeLogger(node, secrets),
      });
      node.foresight = {
        client,
        session,
        wsPathPrefix: normalisePathPrefix(config.wsPathPrefix ?? ''),
        wsIdEncoding: idEncoding(config.wsIdEncoding),
        tls,
        secrets,
      };
    } catch (err) {
      node.configError = asError(err);
      node.error(RED._('foresight-server.errors.config', { message: node.configError.message }));
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      const connection = node.foresight;
      if (!connection) return done();
      // The bpm-monitor nodes stopping with this node close their processes first (CloseBpmProcess needs the session).
      void users
        .settled(USER_CLEANUP_LIMIT_MS)
        .then(() => connection.session.close())
        .then(() => connection.client.close())
        .catch(() => undefined)
        .then(() => done());
    });
  }

  RED.nodes.registerType<Node<ForesightServerCredentials>, ForesightServerDef, unknown, ForesightServerCredentials>('foresight-server', ForesightServer, {
    credentials: {
      username: { type: 'text' },
      password: { type: 'password' },
      moniker: { type: 'password' },
    },
  });
  registerTestConnection(RED, 'foresight-server');
};

function idEncoding(value: string | undefined): MonitoringIdEncoding {
  return value === 'percent-encoded' || value === 'vendor' ? value : DEFAULT_MONITORING_ID_ENCODING;
}

/** A setting in seconds as ms; undefined (the built-in default) when blank or below `min`. */
function seconds(value: string | number | undefined, min: number): number | undefined {
  const n = Number(value);
  return value !== '' && Number.isFinite(n) && n >= min ? n * 1000 : undefined;
}
