import { describeError } from '../shared/errors';

/**
 * Runs `stop` once on the first SIGINT/SIGTERM, then exits. A second signal, or a `stop` that hangs
 * longer than `forceAfterMs`, exits at once so Ctrl-C always ends the command.
 */
export function exitOnSignal(stop: () => Promise<void>, forceAfterMs = 10_000): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      console.error(`\n${signal} again: exiting without waiting.`);
      process.exit(130);
    }
    stopping = true;
    console.log(`\n${signal}: stopping...`);
    const force = setTimeout(() => {
      console.error(`Still not stopped after ${forceAfterMs} ms: exiting.`);
      process.exit(1);
    }, forceAfterMs);
    force.unref();
    stop().then(
      () => {
        clearTimeout(force);
        console.log('Stopped.');
        process.exit(0);
      },
      (err: unknown) => {
        clearTimeout(force);
        console.error(`Error while stopping: ${describeError(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** A clear message for the errors a user can fix (busy port, bad address); undefined otherwise. */
export function listenErrorHint(err: unknown, what: string, host: string, port: number): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE') return `${what}: ${host}:${port} is already in use. Stop the other program or pick another port.`;
  if (code === 'EADDRNOTAVAIL') return `${what}: cannot listen on ${host}: no such local address.`;
  if (code === 'EACCES') return `${what}: no permission to listen on ${host}:${port} (ports below 1024 need privileges).`;
  return undefined;
}
