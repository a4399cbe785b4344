/**
 * The command's own failures.
 *
 * @module
 */

/**
 * A failure of `drizzle-spector generate` that the command reports in one message (exit 1), without
 * a stack trace: bad config, unusable schema, drizzle-kit trouble.
 *
 * @example
 * ```ts
 * try {
 *   await generate({ config: "drizzle.config.ts" });
 * } catch (error) {
 *   if (error instanceof GenerateError) console.error(error.message);
 * }
 * ```
 */
export class GenerateError extends Error {
  override name = "GenerateError";
}
