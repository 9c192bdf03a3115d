/**
 * Runs Node-RED's own command line (`red.js`) in a child process, exactly as a user starts it,
 * against a user directory prepared here. Used by the demo and by the end-to-end tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

export interface UserDirSpec {
  userDir: string;
  /** Folders to make visible as `<userDir>/node_modules/<name>` (symlinks, as `npm install <folder>` does). */
  modules?: Record<string, string>;
  /** Flow file content (array of nodes); an empty flow when omitted. */
  flows?: unknown[];
  /** Plain-text credentials keyed by node id (written unencrypted: `credentialSecret: false`). */
  credentials?: Record<string, Record<string, string>>;
  /** Address the editor listens on; 127.0.0.1 when omitted. */
  host?: string;
  /** Extra settings merged over the defaults below. Must be JSON-serialisable. */
  settings?: Record<string, unknown>;
}

export const FLOW_FILE = 'flows.json';
export const CREDENTIALS_FILE = 'flows_cred.json';
export const SETTINGS_FILE = 'settings.js';

/** Writes settings.js, the flow and credential files and the module links into `spec.userDir`. */
export function prepareUserDir(spec: UserDirSpec): void {
  const { userDir } = spec;
  mkdirSync(join(userDir, 'node_modules'), { recursive: true });
  const settings = {
    uiHost: spec.host ?? '127.0.0.1',
    flowFile: FLOW_FILE,
    credentialSecret: false,
    httpAdminRoot: '/',
    httpNodeRoot: '/api',
    // `file` is the store the examples name for the acknowledgement position.
    contextStorage: { default: { module: 'localfilesystem' }, file: { module: 'localfilesystem' } },
    logging: { console: { level: 'info', metrics: false, audit: false } },
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: false, ui: false },
    editorTheme: { tours: false, projects: { enabled: false } },
    ...spec.settings,
  };
  writeFileSync(
    join(userDir, SETTINGS_FILE),
    `// Written by ${__filename.split(/[\\/]/).slice(-3).join('/')}; rewritten on every start.\nmodule.exports = ${JSON.stringify(settings, null, 2)};\n`,
  );
  writeFileSync(join(userDir, FLOW_FILE), JSON.stringify(spec.flows ?? [], null, 2));
  writeFileSync(join(userDir, CREDENTIALS_FILE), JSON.stringify(spec.credentials ?? {}, null, 2));
  for (const [name, target] of Object.entries(spec.modules ?? {})) {
    const link = join(userDir, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    if (exists(link)) rmSync(link, { recursive: true, force: true });
    symlinkSync(target, link, 'dir');
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

export interface LaunchOptions {
  userDir: string;
  /** 0 = a free port chosen by the system (Node-RED's CLI accepts `--port 0`). */
  port?: number;
  /** Path of Node-RED's `red.js`; the `node-red` this package resolves when omitted. */
  redJs?: string;
  /** Node.js binary to run it with; the current one when omitted. */
  nodeBinary?: string;
  /** Scripts Node.js loads before Node-RED (`--require`). */
  preload?: string[];
  /** Receives every line Node-RED prints (stdout and stderr). */
  onLine?: (line: string) => void;
  /** How long to wait for "Server now running" (ms). */
  startTimeoutMs?: number;
}

export interface RunningNodeRed {
  /** Editor / admin API base URL, ending in `/`. */
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything Node-RED printed so far. */
  readonly lines: string[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export class NodeRedStartError extends Error {
  constructor(
    message: string,
    readonly lines: string[],
  ) {
    super(message);
    this.name = 'NodeRedStartError';
  }
}

export function resolveRedJs(fromDir: string = __dirname): string {
  return require.resolve('node-red/red.js', { paths: [fromDir] });
}

/** Starts Node-RED and resolves once its HTTP server listens and its flows are loaded. */
export function launchNodeRed(options: LaunchOptions): Promise<RunningNodeRed> {
  const redJs = options.redJs ?? resolveRedJs();
  const args = [
    ...(options.preload ?? []).flatMap((file) => ['--require', file]),
    redJs,
    '--userDir',
    options.userDir,
    '--settings',
    join(options.userDir, SETTINGS_FILE),
    '--port',
    String(options.port ?? 0),
  ];
  const child = spawn(options.nodeBinary ?? process.execPath, args, {
    cwd: options.userDir,
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let exitedAlready = false;
  child.once('exit', () => {
    exitedAlready = true;
  });

  const stop = async (graceMs = 10_000): Promise<void> => {
    if (exitedAlready) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  return new Promise<RunningNodeRed>((resolve, reject) => {
    let settled = false;
    const fail = (message: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop(2000).then(() => reject(new NodeRedStartError(`${message}\n--- Node-RED output ---\n${lines.slice(-40).join('\n')}`, lines)));
    };
    const timer = setTimeout(() => fail(`Node-RED did not start within ${options.startTimeoutMs ?? 90_000} ms`), options.startTimeoutMs ?? 90_000);
    const onLine = (line: string): void => {
      lines.push(line);
      options.onLine?.(line);
      if (settled) return;
      // "[info] Server now running at http://127.0.0.1:1880/": the text is translated, the URL is not,
      // and no other startup line carries an http URL.
      const match = /\[info\].*?(https?:\/\/[^\s/]+:(\d+)\/)/.exec(line);
      if (match) {
        const url = match[1]!;
        // Node-RED starts listening before loadFlows() has finished (the runtime does not wait for it),
        // and until then GET /flows answers null: ready means the flows are loaded.
        void waitForFlows(url, () => settled).then(
          () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve({ url, port: Number(match[2]), child, lines, stop });
          },
          (err: unknown) => fail(`Node-RED listens at ${url} but its admin API did not answer: ${String(err)}`),
        );
      }
    };
    splitLines(child.stdout!, onLine);
    splitLines(child.stderr!, onLine);
    child.once('error', (err) => fail(`could not run ${options.nodeBinary ?? process.execPath}: ${err.message}`));
    child.once('exit', (code, signal) => fail(`Node-RED exited before it was ready (code ${code}, signal ${signal})`));
  });
}

async function waitForFlows(url: string, givenUp: () => boolean): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 600 && !givenUp(); attempt++) {
    try {
      const response = await fetch(new URL('flows', url), { headers: { Accept: 'application/json' } });
      if (response.ok && Array.isArray(await response.json())) return;
      // adminAuth is on: the admin API is up but will not list the flows without a login.
      if (response.status === 401) return;
    } catch (err) {
      lastError = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!givenUp()) throw lastError ?? new Error('GET /flows never listed the flows');
}

function splitLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      onLine(buffered.slice(0, nl).replace(/\r$/, ''));
      buffered = buffered.slice(nl + 1);
    }
  });
  stream.on('end', () => {
    if (buffered) onLine(buffered);
  });
}

/** Resolves when `host:port` can be listened on; rejects with the listen error (e.g. EADDRINUSE) otherwise. */
export function checkPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => server.close(() => resolve()));
  });
}
