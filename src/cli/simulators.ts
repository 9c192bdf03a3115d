#!/usr/bin/env node
/** `bpm-scada-sim`: runs the MasterSCADA 4D and Foresight simulators until Ctrl-C. */
import { parseArgs } from 'node:util';
import { describeError } from '../shared/errors';
import {
  DEFAULT_FORESIGHT_PORT,
  DEFAULT_HOST,
  DEFAULT_MASTERSCADA_PORT,
  DEMO_ACCOUNT,
  startSimulators,
  type SimulatorName,
  type SimulatorsOptions,
} from './run-simulators';
import { exitOnSignal, listenErrorHint } from './shutdown';

const HELP = `Usage: bpm-scada-sim [options]

Runs simulators of the MasterSCADA 4D runtime JSON API and of the Foresight
Analytics Platform PP.SOM service (with its BPM monitoring WebSocket) until Ctrl-C.

Options:
  --only <name>             start only "masterscada" or "foresight"
  --host <address>          address to listen on (default ${DEFAULT_HOST})
  --masterscada-port <n>    MasterSCADA port (default ${DEFAULT_MASTERSCADA_PORT}; 0 = any free port)
  --foresight-port <n>      Foresight port (default ${DEFAULT_FORESIGHT_PORT}; 0 = any free port)
  --alarm-rate <n>          new MasterSCADA alarms per second (default: the simulator's own)
  --seed <n>                seed of the MasterSCADA alarm generator (repeatable runs)
  --step-interval <ms>      how often a Foresight process instance advances a step (default: the simulator's own)
  -h, --help                show this text

Both simulators accept the account ${DEMO_ACCOUNT.username} / ${DEMO_ACCOUNT.password}.
`;

/** Thrown for a bad command line; main prints the message and the hint to use --help. */
export class UsageError extends Error {}

export function parseSimulatorArgs(argv: string[]): SimulatorsOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        only: { type: 'string' },
        host: { type: 'string' },
        'masterscada-port': { type: 'string' },
        'foresight-port': { type: 'string' },
        'alarm-rate': { type: 'string' },
        'step-interval': { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const options: SimulatorsOptions = {};
  if (v.only !== undefined) {
    if (v.only !== 'masterscada' && v.only !== 'foresight') {
      throw new UsageError(`--only must be "masterscada" or "foresight", not "${v.only}"`);
    }
    options.only = v.only as SimulatorName;
  }
  if (v.host !== undefined) options.host = v.host;
  if (v['masterscada-port'] !== undefined) options.masterscadaPort = port(v['masterscada-port'], '--masterscada-port');
  if (v['foresight-port'] !== undefined) options.foresightPort = port(v['foresight-port'], '--foresight-port');
  if (v['alarm-rate'] !== undefined) options.alarmRate = positiveNumber(v['alarm-rate'], '--alarm-rate', true);
  if (v['step-interval'] !== undefined) options.stepMs = positiveNumber(v['step-interval'], '--step-interval', false);
  if (v.seed !== undefined) options.seed = positiveNumber(v.seed, '--seed', true);
  return options;
}

function port(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new UsageError(`${flag} must be a port number 0-65535, not "${text}"`);
  return n;
}

function positiveNumber(text: string, flag: string, zeroAllowed: boolean): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || (!zeroAllowed && n === 0)) {
    throw new UsageError(`${flag} must be a ${zeroAllowed ? 'non-negative' : 'positive'} number, not "${text}"`);
  }
  return n;
}

async function main(): Promise<void> {
  let options: SimulatorsOptions | 'help';
  try {
    options = parseSimulatorArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`bpm-scada-sim: ${err.message}\nRun "bpm-scada-sim --help" for the options.`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const host = options.host ?? DEFAULT_HOST;
  let sims;
  try {
    sims = await startSimulators(options);
  } catch (err) {
    const port = (err as { port?: number }).port ?? 0;
    const hint = listenErrorHint(err, 'Simulator', host, port);
    console.error(`bpm-scada-sim: ${hint ?? describeError(err)}`);
    process.exit(1);
  }
  if (sims.masterscadaUrl) console.log(`MasterSCADA 4D simulator:  ${sims.masterscadaUrl}`);
  if (sims.foresightUrl) {
    console.log(`Foresight simulator:       ${sims.foresightUrl}`);
    console.log(`  PP.SOM endpoint:         ${sims.foresightServiceUrl}`);
  }
  console.log(`Account: ${DEMO_ACCOUNT.username} / ${DEMO_ACCOUNT.password}`);
  console.log('Press Ctrl-C to stop.');
  exitOnSignal(() => sims.close());
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  });
}
