/**
 * Putting right what a killed run left in a migrations folder, before the next run plans anything.
 *
 * A run writes in steps: drizzle-kit's migration, the drops it puts at the start of a migration,
 * drizzle-kit's empty custom migration, then the rules' SQL in it. Each file is written whole, and the
 * rules' state is read from the folder itself, so a run after a kill finds what is missing and writes
 * it; what it cannot find that way is undone here:
 *
 * - drizzle-kit's empty custom migration (it would stay an empty trigger migration), removed so that
 *   the run makes it again, with the rules in it;
 * - when the lock says a run was killed: a journal entry whose `.sql` file drizzle-kit had not written
 *   yet, and a snapshot whose journal entry it had not written yet (drizzle-kit compares the schema
 *   with the newest snapshot, so it would write no migration for its changes).
 *
 * @module
 */
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { GenerateError } from "../errors.js";
import type { LockHolder } from "./folder.js";
import { writeFileAtomic } from "./folder.js";
import { journalFile, migrationFile, readJournal, snapshotFile, type JournalEntry } from "./migrations.js";

/** What drizzle-kit 0.31.x writes in a new custom migration (`generate --custom`). */
export const CUSTOM_PLACEHOLDER = "-- Custom SQL migration file, put your code below! --";

/** What {@link repairFolder} needs to know about the run and the one before it. */
export interface RepairContext {
  /** The run the lock says was killed, if any. */
  readonly interrupted: LockHolder | undefined;
  /** The name this run gives its custom migration. */
  readonly name: string;
  readonly log: (line: string) => void;
}

/**
 * Repairs what a killed run left in the migrations folder `out` (see the module's description), and
 * refuses a snapshot that belongs to no migration when no run was killed (someone else left it).
 *
 * @example
 * ```ts
 * const lock = lockFolder(out, "spector_triggers");
 * repairFolder(out, { interrupted: lock.interrupted, name: "spector_triggers", log: console.log });
 * ```
 * @throws {GenerateError} when the journal is unreadable, or a snapshot belongs to no migration.
 */
export function repairFolder(out: string, context: RepairContext): void {
  let journal = readJournal(out);
  const last = journal.at(-1);
  if (context.interrupted && last && !existsSync(migrationFile(out, last.tag))) {
    journal = removeEntry(out, journal, last);
    context.log(`drizzle-spector: removed ${last.tag} from the journal: a killed run left it without its .sql file`);
  }
  for (const file of straySnapshots(out, journal)) {
    if (!context.interrupted) {
      throw new GenerateError(
        `${file} belongs to no migration of ${journalFile(out)} (an interrupted drizzle-kit run leaves one): ` +
          "drizzle-kit would compare the schema with it and miss changes. Delete it, then run again",
      );
    }
    rmSync(file);
    context.log(`drizzle-spector: removed ${file}: a killed run left it without its migration`);
  }
  const names = new Set([context.name, context.interrupted?.name]);
  for (const entry of journal.filter((entry) => isEmptyCustomMigration(out, entry, names))) {
    journal = removeEntry(out, journal, entry);
    context.log(`drizzle-spector: removed ${entry.tag}: a killed run left it empty; it is written again`);
  }
}

/** Whether a migration is still drizzle-kit's empty custom migration, under one of drizzle-spector's names. */
function isEmptyCustomMigration(out: string, entry: JournalEntry, names: ReadonlySet<string | undefined>): boolean {
  const file = migrationFile(out, entry.tag);
  return (
    names.has(entry.tag.slice(entry.tag.indexOf("_") + 1)) &&
    existsSync(file) &&
    readFileSync(file, "utf8").trim() === CUSTOM_PLACEHOLDER
  );
}

/** Snapshot files of `meta/` whose prefix is no journal entry's. */
function straySnapshots(out: string, journal: readonly JournalEntry[]): string[] {
  const meta = join(out, "meta");
  if (!existsSync(meta)) return [];
  const known = new Set(journal.map((entry) => snapshotFile(out, entry.tag)));
  return readdirSync(meta)
    .filter((file) => file.endsWith("_snapshot.json"))
    .map((file) => join(meta, file))
    .filter((file) => !known.has(file));
}

interface SnapshotIds {
  readonly id?: string;
  readonly prevId?: string;
}

/** A snapshot's JSON, or `undefined` when it is missing or damaged (then there is no chain to mend). */
function readSnapshot(file: string): (SnapshotIds & Record<string, unknown>) | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as SnapshotIds & Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * Removes one migration: its journal entry, its `.sql` file and its snapshot. The snapshot after it,
 * if any, is made to follow the removed one's predecessor, so that drizzle-kit's chain of snapshots
 * stays whole. Returns the journal without the entry.
 */
function removeEntry(out: string, journal: readonly JournalEntry[], entry: JournalEntry): JournalEntry[] {
  const snapshot = snapshotFile(out, entry.tag);
  const removed = readSnapshot(snapshot);
  const next = journal[journal.indexOf(entry) + 1];
  if (next && removed?.id !== undefined) {
    const file = snapshotFile(out, next.tag);
    const following = readSnapshot(file);
    if (following?.prevId === removed.id) {
      writeFileAtomic(out, file, JSON.stringify({ ...following, prevId: removed.prevId }, null, 2));
    }
  }
  // the journal first: a run killed after it finds a snapshot that is no migration's, and removes it
  const text = JSON.parse(readFileSync(journalFile(out), "utf8")) as { entries: { tag: string }[] };
  text.entries = text.entries.filter((candidate) => candidate.tag !== entry.tag);
  writeFileAtomic(out, journalFile(out), JSON.stringify(text, null, 2));
  rmSync(snapshot, { force: true });
  rmSync(migrationFile(out, entry.tag), { force: true });
  return journal.filter((candidate) => candidate !== entry);
}
