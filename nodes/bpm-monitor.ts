import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { BpmMonitor } from '../src/foresight/bpm-monitor';
import { BpmFleet } from '../src/foresight/bpm-fleet';
import type { MonitorTarget } from '../src/foresight/bpm-monitor';
import { ConfigError } from '../src/shared/errors';
import { redact } from '../src/shared/logger';
import { commandOf } from './lib/commands';
import { fleetStatus, monitorStatus } from './lib/engine-status';
import { wireFleet } from './lib/bpm-fleet-wiring';
import { closeOnCommand, stopOnNodeClose } from './lib/bpm-monitor-stop';
import { asError, catchable, errorStatusText } from './lib/errors';
import type { ForesightServerNode } from './lib/foresight-connection';
import { NodeListeners } from './lib/node-listeners';
import { nodeLogger } from './lib/node-logger';
import { failOnceStarted } from './lib/settings-error';
import { StatusWords } from './lib/status';

interface BpmMonitorDef extends NodeDef {
  server: string;
  processKey: string;
  instanceKey: string;
  /** Where the instance key comes from: num (a literal), msg, flow, global or env. */
  instanceKeyType?: string;
  instanceGuid: string;
  instanceGuidType?: string;
  topic: string;
  workspace: boolean;
  /** `one` (the key or the newest, default) or `all` (every running instance). */
  instances?: string;
  /** `all`: seconds between two GetProcessInstances. */
  scanInterval?: string | number;
  /** `all`: sockets open at most. */
  maxSockets?: string | number;
}

interface BpmMonitorCredentials {
  processMoniker?: string;
}

export = function (RED: NodeAPI): void {
  function BpmMonitorNode(this: Node<BpmMonitorCredentials>, config: BpmMonitorDef): void {
    RED.nodes.createNode(this, config);
    const server = RED.nodes.getNode(config.server) as ForesightServerNode | null;
    const connection = server?.foresight;
    const processMoniker = this.credentials?.processMoniker?.trim() || undefined;
    let monitorSecrets = (): string[] => [];
    const secrets = (): string[] => [processMoniker, ...(connection?.secrets() ?? []), ...monitorSecrets()].filter((s): s is string => Boolean(s));
    const clean = (text: string): string => redact(text, secrets());
    const words = new StatusWords('bpm-monitor', (key, values) => RED._(key, values));
    let target: MonitorTarget | undefined;
    let lastReported = '';
    const closedStatus = (): void => this.status(words.plain('stopped', 'closed'));
    /** A typed setting's value (msg ones only when a msg is at hand); blank = not given. */
    const typed = (value: string | undefined, type: string | undefined, msg?: NodeMessageInFlow): string | undefined => {
      if (!type || type === 'num' || type === 'str') return value?.trim() || undefined;
      if (type === 'msg' && !msg) return undefined;
      const v: unknown = RED.util.evaluateNodeProperty(value ?? '', type, this, msg as NodeMessageInFlow);
      return v === undefined || v === null || String(v).trim() === '' ? undefined : String(v).trim();
    };
    const fromMsg = config.instanceKeyType === 'msg' || config.instanceGuidType === 'msg';

    const report = (err: unknown): void => {
      const text = clean(errorStatusText(err));
      if (text === lastReported) return;
      lastReported = text;
      const context = { topic: topicFor(target?.key), ...(target ? { instance: instanceOf(target), url: target.url } : {}) };
      const { logMessage, msg } = catchable(err, secrets(), context);
      this.error(logMessage, msg);
    };

    let monitor: BpmMonitor | undefined;
    let fleet: BpmFleet | undefined;
    let setupError: unknown;
    if (!connection) {
      setupError = new ConfigError(server?.configError?.message ?? RED._('bpm-monitor.errors.no-server'));
    } else {
      const common = {
        client: connection.client,
        session: connection.session,
        processKey: config.processKey?.trim() || undefined,
        processMoniker,
        wsPathPrefix: connection.wsPathPrefix,
        monitoringIdEncoding: connection.wsIdEncoding,
        tls: connection.tls,
        withWorkspace: config.workspace === true,
        logger: nodeLogger(this, secrets),
      };
      try {
        if (config.instances === 'all') {
          fleet = new BpmFleet({ ...common, scanIntervalMs: positive(config.scanInterval) * 1000 || undefined, maxSockets: positive(config.maxSockets) || undefined });
        } else {
          monitor = new BpmMonitor({
            ...common,
            instanceKey: typed(config.instanceKey, config.instanceKeyType),
            instanceGuid: typed(config.instanceGuid, config.instanceGuidType),
          });
        }
      } catch (err) {
        setupError = err;
      }
    }
    if (fleet && server) {
      const active = fleet;
      monitorSecrets = () => active.secrets();
      server.register(this);
      wireFleet(this, active, {
        report,
        reported: () => (lastReported = ''),
        status: (s) => this.status(fleetStatus(words, s)),
        closedStatus,
        warn: (text) => this.warn(text),
        t: (key, values) => RED._(key, values),
        topicFor,
        badInput: () => new ConfigError(RED._('bpm-monitor.errors.bad-input-all')),
        deregister: (stopping) => server.deregister(this, stopping),
      });
      return;
    }
    if (!monitor || !server) {
      // Every input repeats the settings error.
      failOnceStarted(RED, this, words.failed(setupError), () => report(setupError));
      this.on('input', (_msg: unknown, _send: unknown, done: (err?: Error) => void) => done(asError(setupError)));
      return;
    }
    const active = monitor;
    monitorSecrets = () => active.secrets();
    server.register(this);

    const listeners = new NodeListeners(this, (err) => report(err));
    listeners.on(active, 'state', (s) => {
      if (s.state === 'connected') lastReported = '';
      this.status(monitorStatus(words, s));
    });
    listeners.on(active, 'resolved', (t) => {
      target = t;
    });
    listeners.on(active, 'frame', (f) => {
      this.send({ topic: topicFor(f.instance.key), payload: f.payload, instance: f.instance, url: f.url, ...(f.workspace ? { workspace: f.workspace } : {}) });
    });
    listeners.on(active, 'failure', (f) => report(f.error));
    active.start();

    this.on('input', (msg: NodeMessageInFlow & { action?: unknown }, _send: unknown, done: (err?: Error) => void) => {
      const command = commandOf(msg);
      if (command === 'close') return closeOnCommand(active, closedStatus, done);
      if (command === 'connect') {
        // After a refused login this is the one way (besides a deploy) to try the login again.
        lastReported = '';
        active.connect();
        return done();
      }
      const p = msg.payload as { key?: unknown; guid?: unknown } | null;
      if (p && typeof p === 'object' && (p.key !== undefined || p.guid !== undefined)) {
        lastReported = '';
        active.switchInstance({ key: p.key === undefined || p.key === null ? undefined : String(p.key), guid: typeof p.guid === 'string' ? p.guid : undefined });
        return done();
      }
      const key = fromMsg ? typed(config.instanceKey, config.instanceKeyType, msg) : undefined;
      const guid = fromMsg ? typed(config.instanceGuid, config.instanceGuidType, msg) : undefined;
      if (key !== undefined || guid !== undefined) {
        lastReported = '';
        active.switchInstance({ key, guid });
        return done();
      }
      done(new ConfigError(RED._('bpm-monitor.errors.bad-input')));
    });

    stopOnNodeClose(this, active, (stopping) => server.deregister(this, stopping));

    function topicFor(key: string | undefined): string {
      return config.topic?.trim() || `bpm/${key ?? config.instanceKey ?? ''}`;
    }
  }

  RED.nodes.registerType<Node<BpmMonitorCredentials>, BpmMonitorDef, unknown, BpmMonitorCredentials>('bpm-monitor', BpmMonitorNode, {
    credentials: { processMoniker: { type: 'password' } },
  });
};

function positive(value: string | number | undefined): number {
  const n = Number(value);
  return value !== '' && Number.isFinite(n) && n > 0 ? n : 0;
}

function instanceOf(t: MonitorTarget): { key: string; guid: string } {
  return { key: t.key, guid: t.guid };
}
