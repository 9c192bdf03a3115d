/**
 * A real Node-RED (its own command line, in a child process) with this package installed in a fresh
 * temporary user directory, listening on 127.0.0.1 with a port the system picks.
 */
import { existsSync, mkdtempSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchNodeRed, prepareUserDir, type RunningNodeRed } from '../../src/cli/node-red-launcher';
import { findPackageRoot, type PackageInfo } from '../../src/cli/package-root';

export interface NodeRedRuntimeOptions {
  /**
   * The package folder Node-RED loads (linked as `<userDir>/node_modules/<name>`). Defaults to this
   * package as built by the running tests (see {@link packageUnderTest}).
   */
  packageDir?: string;
  /** Further modules to link into `<userDir>/node_modules`, by name. */
  modules?: Record<string, string>;
  flows?: unknown[];
  credentials?: Record<string, Record<string, string>>;
  settings?: Record<string, unknown>;
  redJs?: string;
  nodeBinary?: string;
  /** Print Node-RED's output as it comes (for debugging a test). */
  echo?: boolean;
}

export interface NodeRedRuntime {
  url: string;
  userDir: string;
  /** Everything Node-RED printed. */
  readonly lines: string[];
  process: RunningNodeRed;
  /** Admin API call; `path` is relative to the editor root (no leading slash). */
  api(path: string, init?: RequestInit): Promise<Response>;
  apiJson<T = unknown>(path: string, init?: RequestInit): Promise<T>;
  /** Stops Node-RED and removes its user directory. */
  stop(): Promise<void>;
}

export async function startNodeRedRuntime(options: NodeRedRuntimeOptions = {}): Promise<NodeRedRuntime> {
  const pkg = packageUnderTest();
  const packageDir = options.packageDir ?? pkg.dir;
  const userDir = mkdtempSync(join(tmpdir(), 'nr-runtime-'));
  try {
    prepareUserDir({
      userDir,
      modules: { [pkg.info.name]: packageDir, ...options.modules },
      flows: options.flows,
      credentials: options.credentials,
      settings: options.settings,
    });
    const launchOptions = {
      userDir,
      port: 0,
      ...(options.redJs ? { redJs: options.redJs } : {}),
      ...(options.nodeBinary ? { nodeBinary: options.nodeBinary } : {}),
      // eslint-disable-next-line no-console
      ...(options.echo ? { onLine: (line: string) => console.log(`[node-red] ${line}`) } : {}),
    };
    const running = await launchNodeRed(launchOptions);
    const api = (path: string, init: RequestInit = {}): Promise<Response> => {
      const headers = new Headers(init.headers);
      if (!headers.has('Accept')) headers.set('Accept', 'application/json');
      const call = (): Promise<Response> => fetch(new URL(path, running.url), { ...init, headers });
      // A kept-alive admin connection the runtime closed while this process was busy (a bench raising a
      // backlog blocks it past the server's keep-alive timeout) fails on reuse: a read is sent again once.
      const idempotent = (init.method ?? 'GET').toUpperCase() === 'GET';
      return call().catch((err: unknown) => {
        if (idempotent && (err as { cause?: { code?: unknown } }).cause?.code === 'UND_ERR_SOCKET') return call();
        throw err;
      });
    };
    return {
      url: running.url,
      userDir,
      lines: running.lines,
      process: running,
      api,
      async apiJson<T>(path: string, init?: RequestInit): Promise<T> {
        const res = await api(path, init);
        const text = await res.text();
        if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
        return JSON.parse(text) as T;
      },
      async stop() {
        await running.stop();
        rmSync(userDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(userDir, { recursive: true, force: true });
    throw err;
  }
}

let staged: { dir: string; info: PackageInfo } | undefined;

/**
 * This package as the running tests were built: the package root itself when the build went to its
 * `dist/`, otherwise (a private build such as `.build-x/`) a staged copy of package.json whose `dist`
 * links to that build, so Node-RED loads exactly the code under test.
 */
export function packageUnderTest(): { dir: string; info: PackageInfo } {
  if (staged) return staged;
  const info = findPackageRoot(__dirname);
  const buildDir = resolve(__dirname, '..', '..');
  if (buildDir === join(info.root, 'dist')) {
    staged = { dir: info.root, info };
    return staged;
  }
  const dir = join(buildDir, '.staged-package');
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(info.json, null, 2));
  symlinkSync(buildDir, join(dir, 'dist'), 'dir');
  for (const name of ['examples', 'resources', 'node_modules', 'README.md', 'LICENSE']) {
    if (existsSync(join(info.root, name))) symlinkSync(join(info.root, name), join(dir, name));
  }
  staged = { dir, info };
  return staged;
}
