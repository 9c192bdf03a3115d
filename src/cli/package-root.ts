import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface PackageInfo {
  root: string;
  name: string;
  json: {
    name: string;
    version: string;
    dependencies?: Record<string, string>;
    'node-red'?: { nodes?: Record<string, string> };
  };
}

/** The nearest folder above `fromDir` whose package.json declares Node-RED nodes (this package, built or not). */
export function findPackageRoot(fromDir: string = __dirname): PackageInfo {
  let dir = fromDir;
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as PackageInfo['json'];
      if (json['node-red']?.nodes) return { root: dir, name: json.name, json };
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json with a "node-red" section above ${fromDir}`);
    dir = parent;
  }
}
