/**
 * The tables of the consumers' stress test and of its PGlite form: two logs with positions, one with
 * record heads (`versioned: true`), one with record chains (`hashed: "record"`), so that a writer's
 * transaction may touch both and every kind of record keeping takes part.
 */
import { consumerTable, spectorTables } from "../../src/index.js";

const common = { positions: true, schemas: { account: 0, note: 1 }, actions: { deposit: 10 } } as const;

/** The consumers' checkpoints. */
export const checkpoints = consumerTable("checkpoints");

/** `ledger` (`versioned: true`) and `chain` (`hashed: "record"`), with their heads and positions. */
export const stressTables = {
  ...spectorTables({ table: "ledger", versioned: true, ...common }),
  ...spectorTables({ table: "chain", hashed: "record", ...common }),
  checkpoints,
};

/** The logs followed: their names, as in SQL. */
export const LOGS = ["ledger", "chain"] as const;
export type LogName = (typeof LOGS)[number];

/** A log by name. */
export const logTable = (name: LogName) => stressTables[name] as typeof stressTables.ledger;
