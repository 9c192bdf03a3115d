/**
 * Runs a CPU-bound check in a worker thread that is terminated after `limitMs`.
 * Mocha's timeout cannot stop synchronous code (a catastrophic regex blocks
 * the very thread that would report the timeout), so a check that may hang is
 * run here and a hang turns into a failure instead of a stuck test run.
 */
import { Worker } from 'node:worker_threads';

export function runBounded<T>(source: string, data: unknown, limitMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(`const { parentPort, workerData } = require('node:worker_threads');\n(async () => {\n${source}\n})().then((r) => parentPort.postMessage({ ok: r }), (e) => parentPort.postMessage({ error: String(e && e.stack || e) }));`, {
      eval: true,
      workerData: data,
    });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`did not finish within ${limitMs} ms: the work is not linear`));
    }, limitMs);
    worker.once('message', (m: { ok?: T; error?: string }) => {
      clearTimeout(timer);
      void worker.terminate();
      if (m.error !== undefined) reject(new Error(m.error));
      else resolve(m.ok as T);
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
