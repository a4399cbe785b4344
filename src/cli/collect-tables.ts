/**
 * The tables a schema load builds, collected for the command line's checks (one table object per name,
 * every table exported). Each load has its own list, kept in an `AsyncLocalStorage`: a load still
 * running (one given up on, a test timed out) records its tables in its own list, never in the list of
 * a load that started after it, and a load that failed leaves nothing behind for the next.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { TABLE_REGISTRY, type BuiltTable, type TableRegistry } from "../tables/meta.js";

type WithRegistry = { [TABLE_REGISTRY]?: TableRegistry };

/** The process's registry, shared (under its registered symbol) by every copy of this module. */
function registry(): AsyncLocalStorage<BuiltTable[]> {
  const scope = globalThis as WithRegistry;
  if (!(scope[TABLE_REGISTRY] instanceof AsyncLocalStorage)) scope[TABLE_REGISTRY] = new AsyncLocalStorage();
  return scope[TABLE_REGISTRY] as AsyncLocalStorage<BuiltTable[]>;
}

/**
 * Runs `load` (e.g. imports the schema files) and returns what it returned with every table the
 * factories built within it, in the order they were built: the command line compares them with what
 * the schema files export. Loads may run at once, each collecting only its own tables; a load within
 * another also adds its tables to the outer one's.
 *
 * @example
 * ```ts
 * const { result: module, tables } = await collectTables(() => import("./schema.js"));
 * ```
 */
export async function collectTables<T>(load: () => Promise<T>): Promise<{ result: T; tables: BuiltTable[] }> {
  const storage = registry();
  const outer = storage.getStore();
  const tables: BuiltTable[] = [];
  try {
    const result = await storage.run(tables, load);
    return { result, tables };
  } finally {
    outer?.push(...tables);
  }
}
