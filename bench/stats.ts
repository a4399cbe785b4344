/** The few statistics the benchmarks print. */

/** The median of `xs` (the mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** `x` with `digits` decimals. */
export function fmt(x: number, digits = 2): string {
  return x.toFixed(digits);
}

/** The `p`-th percentile (0-100) of `xs`, nearest rank. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** The peak memory growth of this process since {@link memoryPeak} was called, in MB. */
export interface MemoryPeak {
  /** Reads the memory now, keeping the peak. */
  sample(): void;
  /** The peak RSS and heap over the start (after a last sample). */
  growth(): { rss: number; heap: number };
}

/**
 * Starts watching this process's memory: a full collection first when `node --expose-gc` allows it,
 * then the peak RSS and heap of every {@link MemoryPeak.sample} against that start.
 *
 * @example
 * ```ts
 * const memory = memoryPeak();
 * await verifyChain(db, table, { onProgress: memory.sample });
 * console.log(memory.growth()); // { rss: 12.5, heap: 1.7 }
 * ```
 */
export function memoryPeak(): MemoryPeak {
  global.gc?.();
  const before = process.memoryUsage();
  let peak = { rss: before.rss, heap: before.heapUsed };
  const sample = () => {
    const now = process.memoryUsage();
    peak = { rss: Math.max(peak.rss, now.rss), heap: Math.max(peak.heap, now.heapUsed) };
  };
  const MB = 1024 * 1024;
  return {
    sample,
    growth() {
      sample();
      return { rss: (peak.rss - before.rss) / MB, heap: (peak.heap - before.heapUsed) / MB };
    },
  };
}
