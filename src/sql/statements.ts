/**
 * How drizzle-spector lays out SQL text: one statement per chunk, chunks joined by drizzle-kit's
 * `--> statement-breakpoint`, which drizzle-orm's `migrate()` splits on (and PGlite needs: one
 * statement per chunk).
 *
 * @module
 */

/** drizzle-kit's statement separator. */
const STATEMENT_BREAKPOINT = "--> statement-breakpoint";

/**
 * Joins statements into migration text, one per chunk.
 *
 * @example
 * ```ts
 * joinStatements(["SELECT 1;", "SELECT 2;"]); // "SELECT 1;\n--> statement-breakpoint\nSELECT 2;\n"
 * ```
 */
export function joinStatements(statements: readonly string[]): string {
  return statements.length === 0 ? "" : `${statements.join(`\n${STATEMENT_BREAKPOINT}\n`)}\n`;
}

/**
 * Splits migration text back into its chunks (trimmed, empty ones dropped), as `migrate()` does.
 *
 * @example
 * ```ts
 * splitStatements("SELECT 1;\n--> statement-breakpoint\nSELECT 2;\n"); // ["SELECT 1;", "SELECT 2;"]
 * ```
 */
export function splitStatements(text: string): string[] {
  return text
    .split(STATEMENT_BREAKPOINT)
    .map((chunk) => chunk.trim())
    .filter((chunk) => chunk.length > 0);
}
