import type { NodeAPI } from 'node-red';
import { PpsomClient } from '../../src/foresight/client';
import { MasterScadaClient } from '../../src/masterscada/client';
import type { ScadaId } from '../../src/masterscada/types';
import type { MethodNames } from '../../src/masterscada/vendor';
import { ConfigError, IntegrationError, describeError } from '../../src/shared/errors';
import { redact } from '../../src/shared/logger';
import { tlsOptionsFrom } from './tls';

/**
 * "Test connection" of the two config-node dialogs: an admin endpoint that tries the values of the
 * open dialog. The editor sends the dialog's values, its credentials and the config node's id; a
 * password field the user left alone arrives as "__PWRD__" (how Node-RED's editor shows a stored
 * password), and is then taken from the stored credentials of that node id.
 */

/** What the editor shows for an unchanged stored password. */
export const UNCHANGED_PASSWORD = '__PWRD__';
/** A test never waits longer than this, whatever the dialog's timeout says. */
const MAX_TEST_MS = 15_000;

export interface TestFailure {
  ok: false;
  code: string;
  message: string;
}

export interface MasterScadaTestResult {
  ok: true;
  projectId: string;
  projectSessionId: string;
  isMaster: boolean;
  /** The `status` bit mask of GetState (docs/masterscada.md#server-state): 0x1 fault, 0x8 error. */
  status: number;
  fault: boolean;
  error: boolean;
  errorText: string;
  operator: string;
  /** How the session was checked: a login with the dialog's account, a given session id, or none (server only). */
  session: 'login' | 'sessionId' | 'none';
}

export interface ForesightTestResult {
  ok: true;
  repository: string;
  /** CloseMetabase answered: the test session is not left open on the server. */
  closed: boolean;
}

type Body = Record<string, unknown>;
type Credentials = Record<string, string | undefined>;

interface AdminApp {
  post(path: string, ...handlers: Array<(req: AdminRequest, res: AdminResponse, next?: () => void) => void>): void;
}
interface AdminRequest {
  body?: unknown;
}
interface AdminResponse {
  json(body: unknown): void;
}

/** Registers POST `/<type>/test-connection`, for users allowed to change `<type>` nodes. */
export function registerTestConnection(RED: NodeAPI, type: 'masterscada-server' | 'foresight-server'): void {
  const test = type === 'masterscada-server' ? testMasterScada : testForesight;
  const app = RED.httpAdmin as unknown as AdminApp;
  const guard = RED.auth.needsPermission(`${type}.write`) as unknown as (req: AdminRequest, res: AdminResponse, next?: () => void) => void;
  app.post(`/${type}/test-connection`, guard, (req, res) => {
    const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Body;
    const credentials = mergeCredentials(RED, body);
    const secrets = Object.values(credentials).filter((s): s is string => Boolean(s));
    test(RED, body, credentials).then(
      (result) => res.json(result),
      (err: unknown) => res.json(failure(err, secrets)),
    );
  });
}

/** The dialog's credentials, with unchanged password fields taken from the node's stored ones. */
export function mergeCredentials(RED: NodeAPI, body: Body): Credentials {
  const sent = (body.credentials && typeof body.credentials === 'object' ? body.credentials : {}) as Record<string, unknown>;
  const id = typeof body.id === 'string' ? body.id : '';
  const stored = (id ? (RED.nodes.getCredentials(id) as Credentials | undefined) : undefined) ?? {};
  const out: Credentials = {};
  for (const name of new Set([...Object.keys(sent), ...Object.keys(stored)])) {
    const value = sent[name];
    if (value === UNCHANGED_PASSWORD) out[name] = stored[name];
    else if (typeof value === 'string') out[name] = value;
    else if (value === undefined) out[name] = stored[name];
  }
  return out;
}

async function testMasterScada(RED: NodeAPI, body: Body, creds: Credentials): Promise<MasterScadaTestResult> {
  const url = text(body.url);
  if (!/^https?:\/\/[^\s/]+/i.test(url)) throw new ConfigError('enter the http(s) URL of the runtime web server');
  const client = new MasterScadaClient({
    url,
    timeoutMs: timeoutMs(body.timeout),
    tls: body.usetls === true ? tlsOptionsFrom(RED, text(body.tls) || undefined) : undefined,
    methods: (RED.settings as unknown as { masterscadaServerMethods?: Partial<MethodNames> }).masterscadaServerMethods,
  });
  let loggedIn: ScadaId | undefined;
  try {
    const login = creds.username ?? '';
    const fixed = creds.sessionId?.trim() || undefined;
    let sessionId: ScadaId | undefined = fixed;
    let session: MasterScadaTestResult['session'] = fixed ? 'sessionId' : 'none';
    if (!fixed && (login || creds.password)) {
      loggedIn = (await client.login(login, creds.password ?? '')).sessionId;
      sessionId = loggedIn;
      session = 'login';
    }
    const state = await client.getState(sessionId);
    return {
      ok: true,
      projectId: state.projectId,
      projectSessionId: state.projectSessionId === undefined ? '' : String(state.projectSessionId),
      isMaster: state.isMaster,
      status: state.status,
      fault: (state.status & 0x1) !== 0,
      error: (state.status & 0x8) !== 0,
      errorText: state.errorText,
      operator: state.currentOperator,
      session,
    };
  } finally {
    if (loggedIn !== undefined) await client.logout(loggedIn).catch(() => undefined);
    await client.close().catch(() => undefined);
  }
}

async function testForesight(RED: NodeAPI, body: Body, creds: Credentials): Promise<ForesightTestResult> {
  const repository = text(body.repository);
  const client = new PpsomClient({
    endpoint: text(body.endpoint),
    wireFormat: body.transport === 'soap' ? 'soap' : 'json',
    timeoutMs: timeoutMs(body.timeout),
    tls: body.usetls === true ? tlsOptionsFrom(RED, text(body.tls) || undefined) : undefined,
  });
  try {
    if (!repository) throw new ConfigError('enter the repository id: the test opens that repository and closes it again');
    const opened = await client.openMetabase(repository, { user: creds.username ?? '', password: creds.password ?? '' });
    const closed = await client.closeMetabase(opened.id).catch(() => false);
    return { ok: true, repository, closed };
  } finally {
    await client.close().catch(() => undefined);
  }
}

function failure(err: unknown, secrets: string[]): TestFailure {
  const code = err instanceof IntegrationError ? err.code : 'INTERNAL';
  return { ok: false, code, message: redact(describeError(err), secrets) };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

function timeoutMs(value: unknown): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? Math.min(n * 1000, MAX_TEST_MS) : MAX_TEST_MS;
}
