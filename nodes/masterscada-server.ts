import type { Node, NodeAPI, NodeDef } from 'node-red';
import { MasterScadaClient } from '../src/masterscada/client';
import { settleWithin } from '../src/shared/close-limit';
import { MasterScadaSession } from '../src/masterscada/session';
import type { AcknowledgeFields, MethodNames } from '../src/masterscada/vendor';
import { asError } from './lib/errors';
import type { MasterScadaConnection, MasterScadaServerNode } from './lib/masterscada-connection';
import { registerTestConnection } from './lib/test-connection';
import { tlsOptionsFrom } from './lib/tls';
import { USER_CLEANUP_LIMIT_MS, acceptUsers } from './lib/config-users';

interface MasterScadaServerDef extends NodeDef {
  url: string;
  timeout: string | number;
  usetls: boolean;
  tls: string;
}

interface MasterScadaServerCredentials {
  username?: string;
  password?: string;
  sessionId?: string;
}

type ServerNode = Node<MasterScadaServerCredentials> & Pick<MasterScadaServerNode, 'register' | 'deregister'> & { masterscada?: MasterScadaConnection; configError?: Error };

export = function (RED: NodeAPI): void {
  function MasterScadaServer(this: Node<MasterScadaServerCredentials>, config: MasterScadaServerDef): void {
    RED.nodes.createNode(this, config);
    const node = this as ServerNode;
    const creds = node.credentials ?? {};
    const users = acceptUsers(node);
    try {
      const timeoutS = Number(config.timeout);
      const url = (config.url ?? '').trim();
      const client = new MasterScadaClient({
        url,
        timeoutMs: Number.isFinite(timeoutS) && timeoutS > 0 ? timeoutS * 1000 : undefined,
        tls: config.usetls ? tlsOptionsFrom(RED, config.tls) : undefined,
        // Method names the vendor pages leave open can be corrected in settings.js (docs/masterscada.md).
        methods: (RED.settings as unknown as { masterscadaServerMethods?: Partial<MethodNames> }).masterscadaServerMethods,
        acknowledgeFields: (RED.settings as unknown as { masterscadaServerAcknowledgeFields?: Partial<AcknowledgeFields> }).masterscadaServerAcknowledgeFields,
      });
      const fixedSessionId = creds.sessionId?.trim() || undefined;
      const session = new MasterScadaSession(client, { login: creds.username ?? '', password: creds.password ?? '', fixedSessionId });
      node.masterscada = {
        url,
        client,
        session,
        fixedSessionId,
        secrets: () => [creds.password, fixedSessionId, session.id === undefined ? undefined : String(session.id)].filter((s): s is string => Boolean(s)),
      };
    } catch (err) {
      node.configError = asError(err);
      node.error(RED._('masterscada-server.errors.config', { message: node.configError.message }));
    }

    node.on('close', (removed: boolean, done: () => void) => {
      const connection = node.masterscada;
      if (!connection) return done();
      // Log out only when the server node is deleted: after a restart or any deploy the nodes resume
      // their subscriptions, which live inside this session (the server ends it after its idle time).
      const closing = users
        .settled(USER_CLEANUP_LIMIT_MS)
        .then(() => connection.session.close({ logout: removed }))
        .catch(() => undefined)
        .then(() => connection.client.close())
        .catch(() => undefined);
      void settleWithin(closing).then(() => {
        void connection.client.close().catch(() => undefined);
        done();
      });
    });
  }

  RED.nodes.registerType<Node<MasterScadaServerCredentials>, MasterScadaServerDef, unknown, MasterScadaServerCredentials>('masterscada-server', MasterScadaServer, {
    credentials: {
      username: { type: 'text' },
      password: { type: 'password' },
      sessionId: { type: 'password' },
    },
  });
  registerTestConnection(RED, 'masterscada-server');
};
