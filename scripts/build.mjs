// Build: type-check and compile with tsc, then place every node's editor
// files where Node-RED's loader looks for them. The loader finds `X.html`,
// `locales/<lang>/X.{json,html}` and `icons/` only beside the runtime
// `X.js`, so they are copied next to the compiled `dist/nodes/*.js`.
//
// Usage: node scripts/build.mjs [outDir]   (default: dist)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = resolve(root, process.argv[2] ?? 'dist');
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');

rmSync(outDir, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json'), '--outDir', outDir], {
    stdio: 'inherit',
    cwd: root,
  });
} catch (err) {
  // tsc still emits JavaScript on type errors. While several people work in one
  // tree, BUILD_ALLOW_TYPE_ERRORS=1 lets a private build go on; CI never sets it.
  if (process.env.BUILD_ALLOW_TYPE_ERRORS !== '1') process.exit(typeof err.status === 'number' ? err.status : 1);
}

const nodesOut = join(outDir, 'nodes');
mkdirSync(nodesOut, { recursive: true });
for (const name of readdirSync(join(root, 'nodes'))) {
  if (name.endsWith('.html')) cpSync(join(root, 'nodes', name), join(nodesOut, name));
}
if (existsSync(join(root, 'nodes', 'locales'))) {
  cpSync(join(root, 'nodes', 'locales'), join(nodesOut, 'locales'), { recursive: true });
}
cpSync(join(root, 'icons'), join(nodesOut, 'icons'), { recursive: true });
