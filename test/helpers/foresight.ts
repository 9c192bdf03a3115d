import FakeTimers from '@sinonjs/fake-timers';
import type { Clock } from '../../src/shared/clock';
import { startForesightSimulator } from '../../src/sim/foresight';
import type { ForesightSimulator, ForesightSimulatorOptions } from '../../src/sim/foresight';

/** A simulator for one test: loopback, free port, instances move only on `advance()`. */
export function startSim(options: ForesightSimulatorOptions = {}): Promise<ForesightSimulator> {
  return startForesightSimulator({ stepMs: 0, ...options });
}

/** Wait (in real time) until `predicate` holds; fail with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A fake clock for timers and a Clock view of it; sockets keep using the real event loop. */
export type FakeClock = ReturnType<typeof FakeTimers.createClock>;

export function fakeClock(): { fake: FakeClock; clock: Clock } {
  const fake = FakeTimers.createClock();
  const clock: Clock = {
    now: () => fake.now,
    setTimeout: (cb, ms) => fake.setTimeout(cb, ms),
    clearTimeout: (h) => fake.clearTimeout(h as FakeTimers.TimerId),
  };
  return { fake, clock };
}

/** The operations the simulator received, in order, from index `from` on. */
export function opsSince(sim: ForesightSimulator, from = 0): string[] {
  return sim.requests.slice(from).map((r) => r.op);
}

/** POST a raw JSON request to the simulator, as a third-party client would, and read the JSON answer. */
export async function postJson(sim: ForesightSimulator, body: unknown): Promise<Record<string, Record<string, unknown>>> {
  const res = await fetch(sim.endpoint(), { method: 'POST', body: JSON.stringify(body) });
  return (await res.json()) as Record<string, Record<string, unknown>>;
}
