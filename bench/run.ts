/**
 * `npm run bench`: loopback-only benchmarks. Every figure is a ratio against a baseline measured in
 * the same process and run, so the machine's speed cancels out; absolute numbers are for reference.
 */
import { benchForesight } from './foresight';
import { benchMasterScada } from './masterscada';
import { formatTable, type Row } from './measure';

async function main(): Promise<void> {
  const started = Date.now();
  const rows: Row[] = [];
  for (const [name, bench] of [
    ['MasterSCADA', benchMasterScada],
    ['Foresight', benchForesight],
  ] as const) {
    const t = Date.now();
    process.stdout.write(`${name}... `);
    rows.push(...(await bench()));
    console.log(`${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  console.log('');
  console.log(formatTable(rows));
  console.log(`\nNode ${process.version}, ${((Date.now() - started) / 1000).toFixed(1)} s in all; loopback only, medians of 5 alternating runs after a warm-up.`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
