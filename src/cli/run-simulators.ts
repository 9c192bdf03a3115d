/** Starts the bundled simulators for the command line, the demo and end-to-end tests. */

/** The demo account both simulators accept unless told otherwise. */
export const DEMO_ACCOUNT = { username: 'demo', password: 'demo' } as const;

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_MASTERSCADA_PORT = 8043;
export const DEFAULT_FORESIGHT_PORT = 8810;
/** Where the PP.SOM service lives below the Foresight server's base URL (the Linux package default path). */
export const FORESIGHT_SERVICE_PATH = '/FPBI_App_v10.x/axis2/services/PP.SOM.Som';

export type SimulatorName = 'masterscada' | 'foresight';

export interface SimulatorsOptions {
  host?: string;
  /** Which simulators to start; both when omitted. */
  only?: SimulatorName;
  /** 0 picks a free port. */
  masterscadaPort?: number;
  foresightPort?: number;
  /** New alarms per second in the MasterSCADA simulator (its own default when omitted). */
  alarmRate?: number;
  /** Seed of the MasterSCADA alarm generator, so a run can be repeated. */
  seed?: number;
  /** How often a Foresight process instance advances a step, in ms (its own default when omitted). */
  stepMs?: number;
  /** Go on without a simulator whose module is not built (development of the package); default false. */
  skipMissing?: boolean;
}

export interface RunningSimulators {
  /** MasterSCADA runtime base URL, e.g. `http://127.0.0.1:8043`. */
  masterscadaUrl?: string;
  /** Foresight server base URL, e.g. `http://127.0.0.1:8810`. */
  foresightUrl?: string;
  /** The PP.SOM endpoint a `foresight-server` node points at. */
  foresightServiceUrl?: string;
  /** Simulators left out because their module is missing (only with `skipMissing`). */
  missing: SimulatorName[];
  close(): Promise<void>;
}

interface SimulatorHandle {
  url: string;
  /** Foresight only: the PP.SOM endpoint URL. */
  endpoint?: () => string;
  close(): Promise<void>;
}
type StartSimulator = (options: Record<string, unknown>) => Promise<SimulatorHandle>;

export async function startSimulators(options: SimulatorsOptions = {}): Promise<RunningSimulators> {
  const host = options.host ?? DEFAULT_HOST;
  const started: SimulatorHandle[] = [];
  const result: RunningSimulators = {
    missing: [],
    close: async () => {
      await Promise.allSettled(started.splice(0).map((s) => s.close()));
    },
  };
  try {
    const masterScada = options.only !== 'foresight' ? load('masterscada', options.skipMissing, result.missing) : undefined;
    const foresight = options.only !== 'masterscada' ? load('foresight', options.skipMissing, result.missing) : undefined;
    if (masterScada) {
      const sim = await masterScada(
        withoutUndefined({
          host,
          port: options.masterscadaPort ?? DEFAULT_MASTERSCADA_PORT,
          alarmRate: options.alarmRate,
          seed: options.seed,
        }),
      );
      started.push(sim);
      result.masterscadaUrl = sim.url.replace(/\/+$/, '');
    }
    if (foresight) {
      const sim = await foresight(
        withoutUndefined({
          host,
          port: options.foresightPort ?? DEFAULT_FORESIGHT_PORT,
          stepMs: options.stepMs,
        }),
      );
      started.push(sim);
      result.foresightUrl = sim.url.replace(/\/+$/, '');
      result.foresightServiceUrl = sim.endpoint ? sim.endpoint() : result.foresightUrl + FORESIGHT_SERVICE_PATH;
    }
  } catch (err) {
    await result.close();
    throw err;
  }
  return result;
}

function withoutUndefined(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

function load(name: SimulatorName, skipMissing: boolean | undefined, missing: SimulatorName[]): StartSimulator | undefined {
  try {
    return name === 'masterscada' ? masterScadaStarter() : foresightStarter();
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (skipMissing && e.code === 'MODULE_NOT_FOUND' && e.message?.includes(`sim/${name}`)) {
      missing.push(name);
      return undefined;
    }
    throw err;
  }
}

function masterScadaStarter(): StartSimulator {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../sim/masterscada') as { startMasterScadaSimulator: StartSimulator }).startMasterScadaSimulator;
}

function foresightStarter(): StartSimulator {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../sim/foresight') as { startForesightSimulator: StartSimulator }).startForesightSimulator;
}
