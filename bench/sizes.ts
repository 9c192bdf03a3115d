/** How much each row measures: the full run (`npm run bench`) and the smoke run (`--quick`). */
export interface Sizes {
  /** Alternating repetitions per row; the table shows the median. */
  reps: number;
  /** Row 1: backlog size, and the records per PublishEvents packet. */
  drainEvents: number;
  packetSize: number;
  /**
   * Row 1: events drained once by each variant before the measured repetitions, not counted. A tenth of
   * the backlog left the first repetition of scada-events 20–40 % slower than the others (the JIT had not
   * finished with its per-packet code); a whole backlog does not.
   */
  drainWarmupEvents: number;
  /** Row 2: events per second and how long each run raises them. */
  latencyRate: number;
  latencyWindowMs: number;
  /** Row 3: events in all and between two heap samples. */
  memoryEvents: number;
  memoryChunk: number;
  /** Row 4: frames pushed at once. */
  frames: number;
  /** Row 6: idle nodes and the window their CPU time is measured over (three windows make the minute). */
  idleNodes: number;
  idleWindowMs: number;
  /** Row 7: the backlog drained with fdatasync off and on, and cursor file writes per micro run (a tenth with fdatasync). */
  cursorEvents: number;
  cursorWrites: number;
}

export const FULL: Sizes = {
  reps: 3,
  drainEvents: 200_000,
  packetSize: 100,
  drainWarmupEvents: 200_000,
  latencyRate: 1000,
  latencyWindowMs: 3000,
  memoryEvents: 1_000_000,
  memoryChunk: 100_000,
  frames: 50_000,
  idleNodes: 50,
  idleWindowMs: 20_000,
  cursorEvents: 50_000,
  cursorWrites: 2000,
};

/** A smoke run: every row once, tiny counts; proves the harness works, measures nothing worth quoting. */
export const QUICK: Sizes = {
  reps: 1,
  drainEvents: 2_000,
  packetSize: 100,
  drainWarmupEvents: 200,
  latencyRate: 1000,
  latencyWindowMs: 600,
  memoryEvents: 6_000,
  memoryChunk: 2_000,
  frames: 500,
  idleNodes: 3,
  idleWindowMs: 1500,
  cursorEvents: 1000,
  cursorWrites: 100,
};
