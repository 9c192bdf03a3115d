/** What the `bench-count` node's admin endpoints answer. */
export interface CountStats {
  count: number;
  /** Epoch ms (sub-ms precision) of the first and last msg counted since the reset. */
  firstAt: number | undefined;
  lastAt: number | undefined;
  latency: { samples: number; p50: number; p99: number; max: number } | undefined;
}

export interface ProcessSample {
  at: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  rss: number;
  heapUsed: number;
}
