/** `npm pack` of this package as the running tests were built, once per test run. */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findPackageRoot } from '../../src/cli/package-root';

export interface PackResult {
  /** Absolute path of the .tgz. */
  tarball: string;
  /** Paths inside the package, as npm lists them (e.g. `dist/nodes/scada-events.js`). */
  files: string[];
  /** Removes the tarball and any staging copy. */
  cleanup(): void;
}

const NOT_COPIED = new Set(['node_modules', '.git', 'dist', '.demo']);

/**
 * Packs with `--ignore-scripts` (the build already ran). When the tests were built somewhere other than
 * `dist/`, a copy of the package folder with that build as `dist/` is packed instead, so the tarball
 * holds the code under test and `files`/`.npmignore` apply exactly as on publish.
 */
export function packPackage(): PackResult {
  const root = findPackageRoot(__dirname).root;
  const buildDir = resolve(__dirname, '..', '..');
  const work = mkdtempSync(join(tmpdir(), 'pack-'));
  let dir = root;
  if (buildDir !== join(root, 'dist')) {
    dir = join(work, 'stage');
    mkdirSync(dir);
    for (const name of readdirSync(root)) {
      if (NOT_COPIED.has(name) || name.startsWith('.build-')) continue;
      cpSync(join(root, name), join(dir, name), { recursive: true });
    }
    cpSync(buildDir, join(dir, 'dist'), {
      recursive: true,
      filter: (src) => !src.includes('.staged-package'),
    });
  }
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_loglevel: 'error' },
  });
  const [info] = JSON.parse(out.slice(out.indexOf('['))) as [{ filename: string; files: { path: string }[] }];
  return {
    tarball: join(work, info.filename.replace(/^@/, '').replace(/\//, '-')),
    files: info.files.map((f) => f.path),
    cleanup: () => rmSync(work, { recursive: true, force: true }),
  };
}

/** Extracts a tarball's `package/` folder to `dest` (created). Uses the system's tar. */
export function extractPackage(tarball: string, dest: string): void {
  mkdirSync(dest, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', dest, '--strip-components=1']);
}
