/** Starts the bundled simulators for the command line, the demo and end-to-end tests. */
import { startForesightSimulator } from '../sim/foresight';
import { startMasterScadaSimulator } from '../sim/masterscada';

/** The demo account both simulators accept unless told otherwise. */
export const DEMO_ACCOUNT = { username: 'demo', password: 'demo' } as const;

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_MASTERSCADA_PORT = 8043;
export const DEFAULT_FORESIGHT_PORT = 8810;

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
}

export interface RunningSimulators {
  /** MasterSCADA runtime base URL, e.g. `http://127.0.0.1:8043`. */
  masterscadaUrl?: string;
  /** Foresight server base URL, e.g. `http://127.0.0.1:8810`. */
  foresightUrl?: string;
  /** The PP.SOM endpoint a `foresight-server` node points at. */
  foresightServiceUrl?: string;
  close(): Promise<void>;
}

export async function startSimulators(options: SimulatorsOptions = {}): Promise<RunningSimulators> {
  const host = options.host ?? DEFAULT_HOST;
  const started: Array<{ close(): Promise<void> }> = [];
  const result: RunningSimulators = {
    close: async () => {
      await Promise.allSettled(started.splice(0).map((s) => s.close()));
    },
  };
  try {
    if (options.only !== 'foresight') {
      const sim = await startMasterScadaSimulator({
        host,
        port: options.masterscadaPort ?? DEFAULT_MASTERSCADA_PORT,
        ...(options.alarmRate === undefined ? {} : { alarmRate: options.alarmRate }),
        ...(options.seed === undefined ? {} : { seed: options.seed }),
      });
      started.push(sim);
      result.masterscadaUrl = sim.url.replace(/\/+$/, '');
    }
    if (options.only !== 'masterscada') {
      const sim = await startForesightSimulator({
        host,
        port: options.foresightPort ?? DEFAULT_FORESIGHT_PORT,
        ...(options.stepMs === undefined ? {} : { stepMs: options.stepMs }),
      });
      started.push(sim);
      result.foresightUrl = sim.url.replace(/\/+$/, '');
      result.foresightServiceUrl = sim.endpoint();
    }
  } catch (err) {
    await result.close();
    throw err;
  }
  return result;
}
