import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type FakeTimers from '@sinonjs/fake-timers';
import type { Clock } from '../../src/shared/clock';
import { startMasterScadaSimulator } from '../../src/sim/masterscada';
import type { MasterScadaSimulator, MasterScadaSimulatorOptions } from '../../src/sim/masterscada';
import type { EventSelection } from '../../src/masterscada/types';

/** A simulator for one test: loopback, free port, no background alarms unless asked. */
export function startSim(options: MasterScadaSimulatorOptions = {}): Promise<MasterScadaSimulator> {
  return startMasterScadaSimulator({ alarmRate: 0, ...options });
}

/** Wait (in real time) until `predicate` holds; fail with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const SELECTION: EventSelection = {
  clientHandle: 1,
  archiveId: 0,
  taskId: 0,
  itemId: 0,
  path: '',
  useArchive: false,
  fields: [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }, { id: 5 }, { id: 6 }],
};

/** The `ackSequenceNumber` of every PublishEvents the simulator received (undefined = omitted). */
export function acksSent(sim: MasterScadaSimulator): Array<number | undefined> {
  return sim.requestsFor('PublishEvents').map((r) => (r.body as { ackSequenceNumber?: number }).ackSequenceNumber);
}

export type FakeClock = ReturnType<typeof FakeTimers.createClock>;

/** The engine's Clock seam over a fake-timers clock (whose `now` is a number, not a function). */
export function clockOf(fake: FakeClock): Clock {
  return {
    now: () => fake.now,
    setTimeout: (callback, ms) => fake.setTimeout(callback, ms),
    clearTimeout: (handle) => fake.clearTimeout(handle as FakeTimers.TimerId),
  };
}

/**
 * A fresh self-signed certificate for 127.0.0.1 and localhost, made with the
 * `openssl` command line (Node's crypto cannot issue X.509 certificates).
 */
export function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'masterscada-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=masterscada-simulator.test', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
