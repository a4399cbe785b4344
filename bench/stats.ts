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
