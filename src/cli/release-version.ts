/**
 * Preloaded into a Node-RED child process (`node --require`): Node-RED shows its version as
 * "4.1.15-git" when a `.git` sits four folders above `@node-red/runtime/lib`, which is the case for
 * every git checkout of a package that has node-red as a dev dependency. The demo runs a released
 * Node-RED, so that one check is answered "no such file"; every other file access is untouched.
 */
import fs from 'node:fs';
import path from 'node:path';

const runtimeLib = path.dirname(require.resolve('@node-red/runtime/package.json', { paths: [process.cwd(), ...module.paths] }));
const gitMarker = path.join(runtimeLib, 'lib', '..', '..', '..', '..', '.git');
const statSync = fs.statSync;
(fs as unknown as { statSync: typeof fs.statSync }).statSync = function (this: unknown, ...args: Parameters<typeof fs.statSync>) {
  if (typeof args[0] === 'string' && path.resolve(args[0]) === path.resolve(gitMarker)) {
    throw Object.assign(new Error(`ENOENT: no such file or directory, stat '${args[0]}'`), { code: 'ENOENT' });
  }
  return statSync.apply(this, args);
} as typeof fs.statSync;
