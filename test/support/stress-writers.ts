/**
 * The writers of the consumers' stress test and of its PGlite form: each step is one transaction (or
 * one statement) of a kind drawn at random, on the logs of `stress-schema.ts`; what committed and what
 * was rolled back is written down once the writer knows it (after `COMMIT`, or after the error).
 *
 * Kinds: one event (`appendEvent`), several in one statement (`appendEvents`), several `appendEvent`
 * in one transaction (on either log), a transaction rolled back, a savepoint rolled back inside a
 * transaction that commits, a transaction held open for 1 to 3 seconds, a transaction that numbers
 * events itself (`readAll` inside it) and then commits or rolls back, raw `INSERT` statements (in a
 * transaction, some rolled back), and `COPY` (some rolled back).
 */
import { spawn } from "node:child_process";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { TestDatabase } from "./backends.js";
import { appendEvent, appendEvents, newEventId, readAll } from "../../src/index.js";
import { LOGS, logTable, type LogName } from "./stress-schema.js";

type Database = PgDatabase<PgQueryResultHKT>;

/** A row written in raw SQL or `COPY`: `id` `null` lets the record's trigger give it (raw SQL only). */
export interface RawRow {
  readonly id: string | null;
  readonly parentId: string;
  readonly action: number;
  readonly payload: string;
}

/** What a writer runs its steps on. */
export interface WriterPorts {
  readonly db: Database;
  /** Inserts `rows` into `log` in one transaction (rolled back when `rollback`) and returns their ids. */
  insert(log: LogName, rows: readonly RawRow[], rollback: boolean): Promise<string[]>;
  /** Copies `rows` (each with its id) into `log` with `COPY` in one transaction, or `undefined` when the port has none. */
  copy: ((log: LogName, rows: readonly RawRow[], rollback: boolean) => Promise<void>) | undefined;
  /** Whether `copy` can roll back (PGlite's `COPY ... FROM '/dev/blob'` runs on its own). */
  readonly copyRollback: boolean;
  /** How long transactions of the "held" kind stay open (milliseconds); 0 leaves the kind out. */
  readonly holdMs: () => number;
}

export const KINDS = [
  "one",
  "many",
  "transaction",
  "rollback",
  "savepoint",
  "held",
  "numbering",
  "raw",
  "copy",
] as const;
export type Kind = (typeof KINDS)[number];

/** How often each kind is drawn (relative weights). */
const WEIGHTS: Record<Kind, number> = {
  one: 20,
  many: 12,
  transaction: 14,
  rollback: 8,
  savepoint: 10,
  held: 1,
  numbering: 3,
  raw: 14,
  copy: 8,
};

/** What the writers did, shared by all of them. */
export class WriteLog {
  /** Committed event ids per log, in the order their commits were known. */
  readonly committed: Record<LogName, string[]> = { ledger: [], chain: [] };
  /** Event ids that were written and then rolled back (whole transactions, or savepoints). */
  readonly rolledBack = new Set<string>();
  /** Steps done per kind. */
  readonly steps: Record<Kind, number> = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;
  /** Steps that failed without meaning to (a conflict, say): their events were not committed. */
  readonly failures: string[] = [];
  /** Transactions rolled back by a deadlock (two writers appending to the same records in other orders). */
  deadlocks = 0;
  /** Transactions above READ COMMITTED rolled back by a serialization failure (40001), as those levels do. */
  serializationFailures = 0;
  /** Transactions per isolation level (the kinds that draw one). */
  readonly isolation: Record<Isolation, number> = { "read committed": 0, "repeatable read": 0, serializable: 0 };
  /** The committed records of each log (their first events' ids), to append to. */
  readonly records: Record<LogName, string[]> = { ledger: [], chain: [] };

  commit(log: LogName, ids: readonly string[], roots: readonly string[] = []): void {
    this.committed[log].push(...ids);
    this.records[log].push(...roots);
  }

  rollBack(ids: readonly string[]): void {
    for (const id of ids) this.rolledBack.add(id);
  }

  /** How many events committed, all logs together. */
  get total(): number {
    return LOGS.reduce((n, log) => n + this.committed[log].length, 0);
  }
}

/** A random integer from 0 to `n - 1`. */
const below = (n: number) => Math.floor(Math.random() * n);

/** The isolation levels writers' transactions run at. */
type Isolation = "read committed" | "repeatable read" | "serializable";

/** An isolation level for a transaction: READ COMMITTED half the time, the two others a quarter each. */
function drawIsolation(log: WriteLog): Isolation {
  const r = below(4);
  const level: Isolation = r < 2 ? "read committed" : r === 2 ? "repeatable read" : "serializable";
  log.isolation[level]++;
  return level;
}

/** A kind drawn by {@link WEIGHTS}, among `kinds`. */
function drawKind(kinds: readonly Kind[]): Kind {
  const total = kinds.reduce((n, k) => n + WEIGHTS[k], 0);
  let r = Math.random() * total;
  for (const kind of kinds) {
    r -= WEIGHTS[kind];
    if (r < 0) return kind;
  }
  return kinds[kinds.length - 1]!;
}

class Rollback extends Error {
  constructor() {
    super("rolled back on purpose");
  }
}

/** The kinds a port can run. */
export function kindsOf(ports: WriterPorts): Kind[] {
  return KINDS.filter((k) => (k !== "copy" || ports.copy !== undefined) && (k !== "held" || ports.holdMs() > 0));
}

/**
 * One step of writer `w`: a transaction of `kind` (drawn when left out), its outcome written to
 * `log`. Unexpected failures are recorded in `log.failures` (their events count as not committed).
 */
export async function writeStep(ports: WriterPorts, log: WriteLog, w: number, kind?: Kind): Promise<Kind> {
  const k = kind ?? drawKind(kindsOf(ports));
  const name = LOGS[below(LOGS.length)]!;
  const table = logTable(name);
  const records = log.records[name];
  /** A committed record of `name` to append to, or `undefined` for a new record (1 in 4, or none yet). */
  const pick = () => (records.length === 0 || below(4) === 0 ? undefined : records[below(records.length)]);
  const event = (parentId: string | undefined, n: number) => ({
    ...(parentId === undefined ? {} : { parentId }),
    schema: n % 3 === 0 ? ("note" as const) : ("account" as const),
    action: parentId === undefined ? ("insert" as const) : ("deposit" as const),
    payload: { w, n },
  });
  const written: string[] = [];
  try {
    switch (k) {
      case "one": {
        const parent = pick();
        const row = await appendEvent(ports.db, table, event(parent, 0));
        log.commit(name, [row.id], parent === undefined ? [row.id] : []);
        break;
      }
      case "many": {
        const parent = pick();
        const count = 2 + below(4);
        const { rows } = await appendEvents(ports.db, table, {
          ...(parent === undefined ? {} : { parentId: parent }),
          events: Array.from({ length: count }, (_, n) => {
            const { parentId: _p, ...rest } = event(parent, n);
            return n === 0 ? rest : { ...rest, action: "deposit" as const };
          }),
        });
        log.commit(
          name,
          rows.map((r) => r.id),
          parent === undefined ? [rows[0]!.id] : [],
        );
        break;
      }
      case "transaction":
      case "held":
      case "rollback": {
        // events on both logs, in one transaction
        const done: { log: LogName; id: string; root: boolean }[] = [];
        const steps = 2 + below(3);
        const hold = k === "held" ? ports.holdMs() : 0;
        const isolationLevel = drawIsolation(log);
        // records committed before the transaction starts: above READ COMMITTED its snapshot sees no later one
        const visible = { ledger: log.records.ledger.length, chain: log.records.chain.length };
        try {
          await ports.db.transaction(
            async (tx) => {
              for (let n = 0; n < steps; n++) {
                const other = n % 2 === 0 ? name : LOGS[below(LOGS.length)]!;
                const list = log.records[other].slice(0, visible[other]);
                const parent = list.length === 0 || below(3) === 0 ? undefined : list[below(list.length)];
                const row = await appendEvent(tx, logTable(other), event(parent, n));
                done.push({ log: other, id: row.id, root: parent === undefined });
                written.push(row.id);
                if (n === 0 && hold > 0) await new Promise((r) => setTimeout(r, hold));
              }
              if (k === "rollback") throw new Rollback();
            },
            { isolationLevel },
          );
        } catch (error) {
          if (!(error instanceof Rollback)) throw error;
          log.rollBack(written);
          break;
        }
        for (const d of done) log.commit(d.log, [d.id], d.root ? [d.id] : []);
        break;
      }
      case "savepoint": {
        const parent = pick();
        const kept: string[] = [];
        const root: string[] = [];
        const dropped: string[] = [];
        await ports.db.transaction(async (tx) => {
          const a = await appendEvent(tx, table, event(parent, 0));
          kept.push(a.id);
          written.push(a.id);
          if (parent === undefined) root.push(a.id);
          const record = parent ?? a.id;
          await tx
            .transaction(async (sp) => {
              const b = await appendEvent(sp, table, event(record, 1));
              dropped.push(b.id);
              written.push(b.id);
              const { parentId: _p, ...item } = event(record, 2);
              const { rows } = await appendEvents(sp, table, { parentId: record, events: [item] });
              dropped.push(rows[0]!.id);
              written.push(rows[0]!.id);
              throw new Rollback();
            })
            .catch((error: unknown) => {
              if (!(error instanceof Rollback)) throw error;
            });
          const c = await appendEvent(tx, table, event(record, 3));
          kept.push(c.id);
          written.push(c.id);
        });
        log.rollBack(dropped);
        log.commit(name, kept, root);
        break;
      }
      case "numbering": {
        // the writer's own transaction reads the log (readAll in a transaction numbers nothing: it holds nobody back)
        const parent = pick();
        const rollback = below(2) === 0;
        const isolationLevel = drawIsolation(log);
        try {
          await ports.db.transaction(
            async (tx) => {
              const row = await appendEvent(tx, table, event(parent, 0));
              written.push(row.id);
              await readAll(tx, table, { limit: 1 });
              if (rollback) throw new Rollback();
            },
            { isolationLevel },
          );
        } catch (error) {
          if (!(error instanceof Rollback)) throw error;
          log.rollBack(written);
          break;
        }
        log.commit(name, written, parent === undefined ? written : []);
        break;
      }
      case "raw": {
        // appends to existing records (ids given by the trigger), or a new record with its id
        const rollback = below(5) === 0;
        const rows: RawRow[] = [];
        const count = 1 + below(3);
        for (let n = 0; n < count; n++) {
          const parent = records.length === 0 ? undefined : records[below(records.length)];
          if (parent === undefined || n === count - 1) {
            const id = newEventId();
            rows.push({ id, parentId: id, action: 1, payload: JSON.stringify({ w, raw: n }) });
          } else {
            rows.push({ id: null, parentId: parent, action: 10, payload: JSON.stringify({ w, raw: n }) });
          }
          if (parent === undefined) break;
        }
        // one record per statement row: a record's first row after its appends would not find the record
        const unique = rows.filter((r, i) => rows.findIndex((o) => o.parentId === r.parentId) === i);
        const ids = await ports.insert(name, unique, rollback);
        written.push(...ids);
        if (rollback) {
          log.rollBack(ids);
          break;
        }
        log.commit(
          name,
          ids,
          unique.flatMap((r, i) => (r.id !== null && r.id === r.parentId ? [ids[i]!] : [])),
        );
        break;
      }
      case "copy": {
        // new records, each with a few events, ids made here (in each record's order)
        const rollback = ports.copyRollback && below(4) === 0;
        const rows: RawRow[] = [];
        const roots: string[] = [];
        for (let r = 0; r < 1 + below(3); r++) {
          const root = newEventId();
          roots.push(root);
          rows.push({ id: root, parentId: root, action: 1, payload: JSON.stringify({ w, copy: r }) });
          for (let n = 0; n < below(3); n++) {
            rows.push({ id: newEventId(), parentId: root, action: 10, payload: JSON.stringify({ w, copy: r, n }) });
          }
        }
        const ids = rows.map((r) => r.id!);
        written.push(...ids);
        await ports.copy!(name, rows, rollback);
        if (rollback) log.rollBack(ids);
        else log.commit(name, ids, roots);
        break;
      }
    }
  } catch (error) {
    // a deadlock between two transactions appending to the same records in other orders: one is rolled back
    const cause = (error as { cause?: { code?: string; message?: string } }).cause ?? (error as { code?: string });
    if (cause.code === "40P01") {
      log.rollBack(written);
      log.deadlocks++;
    } else if (cause.code === "40001" || (error as Error).name === "SpectorVersionConflictError") {
      // above READ COMMITTED, a concurrent append to the same record fails the transaction: nothing of it committed
      log.rollBack(written);
      log.serializationFailures++;
    } else {
      log.failures.push(
        `${k}: ${cause.code ?? ""} ${(cause as Error).message ?? ""} ${(error as Error).message.slice(0, 200)}`,
      );
    }
  }
  log.steps[k]++;
  return k;
}

/** The SQL columns raw rows are written to. */
export const RAW_COLUMNS = "id, parent_id, schema, action, payload";

/** `INSERT ... VALUES ... RETURNING id::text` of `rows` into `log`, and its parameters. */
export function rawInsert(log: LogName, rows: readonly RawRow[]): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const values = rows.map((row) => {
    params.push(row.id, row.parentId, row.action, row.payload);
    const n = params.length;
    return `($${n - 3}::uuid, $${n - 2}::uuid, 0, $${n - 1}::int, $${n}::jsonb)`;
  });
  return { text: `INSERT INTO ${log} (${RAW_COLUMNS}) VALUES ${values.join(", ")} RETURNING id::text`, params };
}

/** The text-format `COPY` data of `rows`. */
export function copyData(rows: readonly RawRow[]): string {
  return rows.map((r) => `${r.id}\t${r.parentId}\t0\t${r.action}\t${r.payload}\n`).join("");
}

/**
 * `COPY` of `rows` into `log` on `url` through psql, in one transaction that commits, or rolls back
 * when `rollback`; resolves once psql has exited with success (after `COMMIT`).
 */
export function psqlCopy(url: string, log: LogName, rows: readonly RawRow[], rollback: boolean): Promise<void> {
  const script = `BEGIN;\nCOPY ${log} (${RAW_COLUMNS}) FROM STDIN;\n${copyData(rows)}\\.\n${rollback ? "ROLLBACK" : "COMMIT"};\n`;
  return new Promise((resolve, reject) => {
    const child = spawn("psql", [url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"], { stdio: "pipe" });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`psql COPY exited ${code}: ${output}`))));
    child.stdin.end(script);
  });
}

/**
 * The ports of one writer on test database `t` (no "held" kind, and a `COPY` that cannot roll back on
 * PGlite): raw rows through Drizzle's `execute`, in a transaction.
 */
export function testDatabasePorts(t: TestDatabase): WriterPorts {
  return {
    db: t.db,
    async insert(log, rows, rollback) {
      const values = rows.map(
        (r) => sql`(${r.id}::uuid, ${r.parentId}::uuid, 0, ${r.action}::int, ${r.payload}::jsonb)`,
      );
      const statement = sql`INSERT INTO ${sql.identifier(log)} (${sql.raw(RAW_COLUMNS)}) VALUES ${sql.join(values, sql`, `)} RETURNING id::text`;
      let ids: string[] = [];
      await t.db
        .transaction(async (tx) => {
          const result = (await tx.execute(statement)) as unknown as { id: string }[] | { rows: { id: string }[] };
          ids = (Array.isArray(result) ? result : result.rows).map((r) => r.id);
          if (rollback) throw new Rollback();
        })
        .catch((error: unknown) => {
          if (!(error instanceof Rollback)) throw error;
        });
      return ids;
    },
    copy: (log, rows) => t.copyIn(`${log} (${RAW_COLUMNS})`, copyData(rows)),
    copyRollback: false,
    holdMs: () => 0,
  };
}
