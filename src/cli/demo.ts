/**
 * `npm run demo`: both simulators, then Node-RED (the development copy) with this package installed
 * the way a user installs it, and every shipped example flow pointed at the simulators.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildDemoFlows, credentialNamesFromEditorHtml, demoCredentials, readExamples } from './demo-flows';
import { checkPortFree, CREDENTIALS_FILE, launchNodeRed, prepareUserDir, resolveRedJs } from './node-red-launcher';
import { findPackageRoot } from './package-root';
import {
  DEFAULT_FORESIGHT_PORT,
  DEFAULT_HOST,
  DEFAULT_MASTERSCADA_PORT,
  DEMO_ACCOUNT,
  startSimulators,
} from './run-simulators';
import { exitOnSignal, listenErrorHint } from './shutdown';

const DEFAULT_PORT = 1880;

const HELP = `Usage: npm start [-- options]   (npm run demo is the same)

Starts the MasterSCADA 4D and Foresight simulators and Node-RED with this package and all example flows.

Options:
  --port <n>               Node-RED editor port (default ${DEFAULT_PORT}, or $DEMO_PORT)
  --host <address>         address for Node-RED and the simulators (default ${DEFAULT_HOST})
  --masterscada-port <n>   MasterSCADA simulator port (default ${DEFAULT_MASTERSCADA_PORT})
  --foresight-port <n>     Foresight simulator port (default ${DEFAULT_FORESIGHT_PORT})
  --alarm-rate <n>         new MasterSCADA alarms per second
  --user-dir <dir>         Node-RED user directory (default .demo/node-red in the package folder)
  -h, --help               show this text

The flows in Node-RED's user directory are rebuilt from examples/ at every start; its context
(e.g. the alarm acknowledgement position) is kept.
`;

/** The config node types that point at a simulator, and the origin their examples use. */
const SERVER_TYPES = {
  masterscada: { type: 'masterscada-server', exampleOrigin: `http://127.0.0.1:${DEFAULT_MASTERSCADA_PORT}` },
  foresight: { type: 'foresight-server', exampleOrigin: `http://127.0.0.1:${DEFAULT_FORESIGHT_PORT}` },
} as const;

function numberFlag(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) {
    console.error(`demo: ${flag} must be a non-negative number, not "${text}"`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    values = parseArgs({
      args: process.argv.slice(2),
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'masterscada-port': { type: 'string' },
        'foresight-port': { type: 'string' },
        'alarm-rate': { type: 'string' },
        'user-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    console.error(`demo: ${(err as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const host = values.host ?? DEFAULT_HOST;
  const port = numberFlag(values.port ?? process.env.DEMO_PORT, '--port') ?? DEFAULT_PORT;

  const pkg = findPackageRoot(__dirname);
  let redJs: string;
  try {
    redJs = resolveRedJs(pkg.root);
  } catch {
    console.error('demo: Node-RED is not installed. It is a development dependency: run "npm ci" in the package folder.');
    process.exit(1);
  }
  const missing = Object.values(pkg.json['node-red']?.nodes ?? {}).filter((file) => !existsSync(join(pkg.root, file)));
  if (missing.length > 0) {
    console.log(`demo: not built yet, Node-RED will not find: ${missing.join(', ')} (run "npm run build").`);
  }

  try {
    await checkPortFree(host, port);
  } catch (err) {
    console.error(`demo: ${listenErrorHint(err, 'Node-RED editor', host, port) ?? (err as Error).message}`);
    console.error('demo: use --port <n> (or DEMO_PORT=<n>) to run the editor elsewhere.');
    process.exit(1);
  }

  let sims;
  try {
    sims = await startSimulators({
      host,
      masterscadaPort: numberFlag(values['masterscada-port'], '--masterscada-port'),
      foresightPort: numberFlag(values['foresight-port'], '--foresight-port'),
      alarmRate: numberFlag(values['alarm-rate'], '--alarm-rate'),
    });
  } catch (err) {
    const e = err as { port?: number };
    console.error(`demo: ${listenErrorHint(err, 'Simulator', host, e.port ?? 0) ?? (err as Error).message}`);
    process.exit(1);
  }

  const examples = readExamples(join(pkg.root, 'examples'));
  const credentials: Record<string, Record<string, string>> = {};
  for (const { type } of Object.values(SERVER_TYPES)) {
    const html = join(pkg.root, 'nodes', `${type}.html`);
    const names = existsSync(html) ? credentialNamesFromEditorHtml(readFileSync(html, 'utf8')) : [];
    credentials[type] = demoCredentials(names, DEMO_ACCOUNT);
  }
  const demo = buildDemoFlows(examples, {
    rewrites: [
      ...(sims.masterscadaUrl
        ? [{ types: [SERVER_TYPES.masterscada.type], from: SERVER_TYPES.masterscada.exampleOrigin, to: sims.masterscadaUrl }]
        : []),
      ...(sims.foresightUrl
        ? [{ types: [SERVER_TYPES.foresight.type], from: SERVER_TYPES.foresight.exampleOrigin, to: sims.foresightUrl }]
        : []),
    ],
    credentials,
  });

  const userDir = resolve(values['user-dir'] ?? join(pkg.root, '.demo', 'node-red'));
  prepareUserDir({ userDir, host, modules: { [pkg.name]: pkg.root }, flows: demo.flows, credentials: demo.credentials });
  console.log(`Example flows: ${examples.length === 0 ? 'none found in examples/ (Node-RED starts with an empty flow)' : examples.filter((e) => !demo.skipped.some((k) => k.name === e.name)).map((e) => e.name).join(', ')}`);
  for (const { name, modules } of demo.skipped) {
    console.log(`Not deployed (needs ${modules.join(', ')} and a real mail server or bot; import it from Import > Examples): ${name}`);
  }
  console.log(
    `Credentials (${DEMO_ACCOUNT.username}/${DEMO_ACCOUNT.password}) are stored UNENCRYPTED in ${join(userDir, CREDENTIALS_FILE)} ` +
      '(credentialSecret: false; fine for a demo, never for a real installation).',
  );

  let nodeRed;
  try {
    nodeRed = await launchNodeRed({
      userDir,
      port,
      redJs,
      preload: [join(__dirname, 'release-version.js')],
      onLine: (line) => console.log(`[node-red] ${line}`),
    });
  } catch (err) {
    console.error(`demo: ${(err as Error).message.split('\n')[0]}`);
    await sims.close();
    process.exit(1);
  }

  console.log('');
  console.log(`Node-RED editor:           ${nodeRed.url}`);
  if (sims.masterscadaUrl) console.log(`MasterSCADA 4D simulator:  ${sims.masterscadaUrl}`);
  if (sims.foresightServiceUrl) console.log(`Foresight PP.SOM endpoint: ${sims.foresightServiceUrl}`);
  console.log(`Simulator account:         ${DEMO_ACCOUNT.username} / ${DEMO_ACCOUNT.password}`);
  console.log('Press Ctrl-C to stop everything.');

  const running = nodeRed;
  let stopping = false;
  running.child.once('exit', (code) => {
    if (stopping) return;
    console.error(`Node-RED exited (code ${code}); stopping the simulators.`);
    void sims.close().then(() => process.exit(code ?? 1));
  });
  exitOnSignal(async () => {
    // Ctrl-C in a terminal also reaches Node-RED (same process group); stop() copes with either order.
    stopping = true;
    await running.stop();
    await sims.close();
  });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  });
}
