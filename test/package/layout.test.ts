/** The built package is laid out the way Node-RED's loader and the Flow Library scorecard expect. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import ts from 'typescript';
import { readExamples } from '../../src/cli/demo-flows';
import { DEFAULT_FORESIGHT_PORT, DEFAULT_MASTERSCADA_PORT } from '../../src/cli/run-simulators';
import { packageUnderTest } from '../helpers/node-red-runtime';

const NODE_TYPES = ['masterscada-server', 'scada-events', 'foresight-server', 'bpm-monitor', 'scada-ack', 'bpm-control', 'scada-history'];

interface Registration {
  type: string;
  category?: string;
  icon?: string;
  /** Why the scorecard's parser would not read it, when it would not. */
  problems: string[];
}

describe('package layout', function () {
  const pkg = packageUnderTest();
  const entries = Object.entries(pkg.info.json['node-red']?.nodes ?? {});

  it('should map every node type in package.json "node-red.nodes"', function () {
    assert.deepEqual(entries.map(([name]) => name).sort(), [...NODE_TYPES].sort());
  });

  for (const [name, file] of Object.entries(packageUnderTest().info.json['node-red']?.nodes ?? {})) {
    describe(`${name} (${file})`, function () {
      const js = join(pkg.dir, file);
      const dir = dirname(js);
      const base = basename(file, '.js');
      const html = join(dir, `${base}.html`);

      it('should have the runtime .js, the editor .html beside it and en-US locale files', function () {
        assert.ok(file.endsWith('.js'), `${file} is a .js file`);
        for (const f of [js, html, join(dir, 'locales', 'en-US', `${base}.json`), join(dir, 'locales', 'en-US', `${base}.html`)]) {
          assert.ok(existsSync(f), `${f} exists`);
        }
        JSON.parse(readFileSync(join(dir, 'locales', 'en-US', `${base}.json`), 'utf8'));
        assert.match(readFileSync(join(dir, 'locales', 'en-US', `${base}.html`), 'utf8'), new RegExp(`data-help-name=["']${name}["']`));
      });

      it('should call registerType the way the Flow Library scorecard parses it, with icons that exist', function () {
        const registrations = registrationsIn(readFileSync(html, 'utf8'));
        assert.deepEqual(
          registrations.map((r) => r.type),
          [name],
          'one registerType per file, for the type its package.json entry names',
        );
        const [reg] = registrations;
        assert.deepEqual(reg!.problems, []);
        if (reg!.icon && !reg!.icon.startsWith('font-awesome/') && !reg!.icon.includes('/')) {
          assert.ok(existsSync(join(dir, 'icons', reg!.icon)), `icon ${reg!.icon} in ${join(dir, 'icons')}`);
        }
        if (reg!.category !== 'config') assert.ok(reg!.icon, `${name} names an icon`);
      });
    });
  }

  it('should use every non-config node type in some example flow (scorecard N02)', function () {
    const examples = readExamples(join(pkg.info.root, 'examples'));
    assert.ok(examples.length > 0, 'examples/ has flows');
    const used = new Set(examples.flatMap((e) => e.nodes.map((n) => n.type)));
    for (const [name, file] of entries) {
      const html = join(pkg.dir, file.replace(/\.js$/, '.html'));
      const regs = existsSync(html) ? registrationsIn(readFileSync(html, 'utf8')) : [];
      for (const reg of regs) {
        if (reg.category !== 'config') assert.ok(used.has(reg.type), `${name}: type ${reg.type} appears in no example`);
      }
    }
  });

  it('should meet the Flow Library scorecard rules on package.json (P01, P03, P05, P06, P07, D01)', function () {
    const json = pkg.info.json as typeof pkg.info.json & {
      license?: string;
      repository?: unknown;
      bugs?: unknown;
      keywords?: string[];
      engines?: { node?: string };
      'node-red'?: { version?: string };
    };
    assert.ok(json.license, 'P01 license');
    assert.ok(json.repository || json.bugs, 'P03 repository or bugs');
    assert.ok(json.keywords?.includes('node-red'), 'P05 keyword node-red');
    assert.match(json.name, /^(@[\w-]+\/|node-red-contrib-)/, 'P04 scoped or node-red-contrib- name');
    // P06: an open lower bound that the current Node-RED 5 release satisfies.
    assert.match(json['node-red']?.version ?? '', /^>=\s*[0-5]\.\d+\.\d+$/, 'P06 node-red.version');
    // P07: Node 22.9.0 (Node-RED 5's minimum) must satisfy engines.node.
    const min = /^>=\s*(\d+)(?:\.(\d+))?/.exec(json.engines?.node ?? '');
    assert.ok(min && (Number(min[1]) < 22 || (Number(min[1]) === 22 && Number(min[2] ?? 0) <= 9)), `P07 engines.node ${json.engines?.node}`);
    assert.ok(Object.keys(json.dependencies ?? {}).length <= 6, 'D01 at most 6 runtime dependencies');
    assert.ok(!('node-red' in (json.dependencies ?? {})), 'node-red is not a runtime dependency');
  });

  it('should point example config nodes at the simulators\' default addresses (the demo rewrites exactly these)', function () {
    const expected: Record<string, string> = {
      'masterscada-server': `http://127.0.0.1:${DEFAULT_MASTERSCADA_PORT}`,
      'foresight-server': `http://127.0.0.1:${DEFAULT_FORESIGHT_PORT}`,
    };
    for (const example of readExamples(join(pkg.info.root, 'examples'))) {
      for (const node of example.nodes.filter((n) => n.type in expected)) {
        const urls = Object.values(node).filter((v): v is string => typeof v === 'string' && /^https?:\/\//.test(v));
        assert.ok(urls.length > 0, `${example.name}: ${node.type} has a URL`);
        for (const url of urls) {
          assert.ok(url === expected[node.type] || url.startsWith(`${expected[node.type]}/`), `${example.name}: ${node.type} points at ${url}`);
        }
      }
    }
  });

  it('should keep example flows importable: arrays of nodes with a Comment node and no credentials', function () {
    for (const example of readExamples(join(pkg.info.root, 'examples'))) {
      assert.ok(example.nodes.every((n) => typeof n.id === 'string' && typeof n.type === 'string'), `${example.name}: nodes`);
      assert.ok(example.nodes.some((n) => n.type === 'comment'), `${example.name}: has a Comment node`);
      assert.ok(!example.nodes.some((n) => 'credentials' in n), `${example.name}: carries credentials`);
    }
  });
});

/**
 * Reads `RED.nodes.registerType(...)` calls from the `<script type="text/javascript">` blocks as
 * node-red-dev's checknodes does: the type must be a string literal and the definition an inline
 * object literal whose defaults/credentials are objects and icon/color/category/inputs/outputs literals.
 */
function registrationsIn(html: string): Registration[] {
  const out: Registration[] = [];
  const scriptRe = /<script\b[^>]*type=["']text\/javascript["'][^>]*>([\s\S]*?)<\/script>/gi;
  for (let m; (m = scriptRe.exec(html)); ) {
    const source = ts.createSourceFile('editor.js', m[1]!, ts.ScriptTarget.ES2020, true, ts.ScriptKind.JS);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && node.expression.getText(source).replace(/\s/g, '') === 'RED.nodes.registerType') {
        out.push(inspectRegistration(node, source));
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out;
}

function inspectRegistration(call: ts.CallExpression, source: ts.SourceFile): Registration {
  const [typeArg, defArg] = call.arguments;
  const problems: string[] = [];
  const reg: Registration = { type: '?', problems };
  if (typeArg && ts.isStringLiteralLike(typeArg)) reg.type = typeArg.text;
  else problems.push(`type is not a string literal: ${typeArg?.getText(source)}`);
  if (!defArg || !ts.isObjectLiteralExpression(defArg)) {
    problems.push('definition is not an inline object literal');
    return reg;
  }
  for (const prop of defArg.properties) {
    if (!ts.isPropertyAssignment(prop)) continue;
    const key = prop.name.getText(source).replace(/['"]/g, '');
    const value = prop.initializer;
    if (key === 'defaults' || key === 'credentials') {
      if (!ts.isObjectLiteralExpression(value)) problems.push(`${key} is not an object literal`);
    } else if (key === 'icon' || key === 'color' || key === 'category') {
      if (!ts.isStringLiteralLike(value)) problems.push(`${key} is not a string literal`);
      else if (key === 'icon') reg.icon = value.text;
      else if (key === 'category') reg.category = value.text;
    } else if (key === 'inputs' || key === 'outputs') {
      if (!ts.isNumericLiteral(value)) problems.push(`${key} is not a number literal`);
    }
  }
  if (!defArg.properties.some((p) => p.name?.getText(source).replace(/['"]/g, '') === 'category')) problems.push('no category');
  return reg;
}
