/**
 * Changing a migrations folder safely: one run at a time (a lock file), each file replaced whole (a
 * temporary file renamed over it), and every change of a failed run undone.
 *
 * The lock stays behind when a run is killed; the next run finds its process gone, takes the lock
 * over and learns that a run was interrupted (see `repair.ts`).
 *
 * @module
 */
import {
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { hostname } from "node:os";
import { basename, join } from "node:path";
import { GenerateError } from "../errors.js";

/** The lock file, in the migrations folder itself (not in `meta/`: drizzle-kit reads every file there as a snapshot). */
export const LOCK_FILE = ".drizzle-spector.lock";

/** What a lock file says about the run that holds it. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** When the run started (ISO 8601). */
  readonly started: string;
  /** The name the run gave its custom migration. */
  readonly name: string;
}

/** A held lock. */
export interface FolderLock {
  /** The run whose lock was left behind (it was killed), if any: its changes may be half done. */
  readonly interrupted: LockHolder | undefined;
  /** Removes the lock file. */
  release(): void;
}

/**
 * Takes the lock of the migrations folder `out` (creating the folder), so that two runs never write
 * migrations at once (drizzle-kit would give both the same number). A lock whose process is gone is
 * taken over.
 *
 * @example
 * ```ts
 * const lock = lockFolder("migrations", "spector_triggers");
 * try {
 *   if (lock.interrupted) console.log(`a run of ${lock.interrupted.started} was interrupted`);
 * } finally {
 *   lock.release();
 * }
 * ```
 * @throws {GenerateError} when another live run holds the lock.
 */
export function lockFolder(out: string, name: string): FolderLock {
  mkdirSync(out, { recursive: true });
  const file = join(out, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString(), name };
  let interrupted: LockHolder | undefined;
  while (!createExclusive(out, file, JSON.stringify(me))) {
    const holder = readHolder(file);
    if (holder === undefined) continue; // released in the meantime: try again
    if (isAlive(holder)) throw lockedError(file, holder);
    if (breakStaleLock(out, file, holder)) interrupted = holder;
  }
  removeTemporaryFiles(out); // left by the interrupted run, if any: nobody else writes them now
  return {
    interrupted,
    release: () => rmSync(file, { force: true }),
  };
}

/**
 * Creates `file` with `text` unless it exists, in one step: the text goes to a temporary file first,
 * then a hard link makes it `file` (which fails if `file` exists), so the lock is never seen empty.
 */
function createExclusive(out: string, file: string, text: string): boolean {
  const temporary = temporaryFile(out);
  writeFileSync(temporary, text);
  try {
    linkSync(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
}

function readHolder(file: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as LockHolder;
  } catch {
    throw new GenerateError(
      `the lock file ${file} is not drizzle-spector's (not JSON): if no drizzle-spector generate is running, delete it`,
    );
  }
}

/** Whether the lock's process still runs. A lock of another machine cannot be checked: it counts as held. */
function isAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // it exists, under another user
  }
}

function lockedError(file: string, holder: LockHolder): GenerateError {
  return new GenerateError(
    `another drizzle-spector generate (pid ${holder.pid} on ${holder.host}, started ${holder.started}) is writing ` +
      `to this migrations folder: wait for it to finish, then run again. If it is not running, delete ${file}`,
  );
}

/**
 * Removes the lock of a dead run, unless another run removed it first. A guard file, created the way
 * the lock is, makes sure that two runs that both found it stale do not both remove it (the second
 * would remove the first one's new lock). Returns whether this run removed it.
 */
function breakStaleLock(out: string, file: string, holder: LockHolder): boolean {
  const guard = `${file}.break`;
  if (!createExclusive(out, guard, String(process.pid))) {
    throw new GenerateError(
      `another drizzle-spector generate is taking over the stale lock ${file}: run again. If none is running, ` +
        `delete ${guard}`,
    );
  }
  try {
    const current = readHolder(file);
    if (current === undefined || JSON.stringify(current) !== JSON.stringify(holder)) return false;
    unlinkSync(file);
    return true;
  } finally {
    rmSync(guard, { force: true });
  }
}

let temporaryCount = 0;

/** A file name for a temporary file of this process, in the migrations folder (a dot-file: no glob or migrator reads it). */
function temporaryFile(out: string): string {
  return join(out, `.drizzle-spector-${process.pid}-${++temporaryCount}.tmp`);
}

function removeTemporaryFiles(out: string): void {
  for (const file of readdirSync(out)) {
    if (/^\.drizzle-spector-\d+-\d+\.tmp$/.test(file)) rmSync(join(out, file), { force: true });
  }
}

/**
 * Replaces `file` (in `out` or its `meta/` folder) with `text` in one step: a run killed meanwhile
 * leaves the old file or the new one, never half of it.
 *
 * @example
 * ```ts
 * writeFileAtomic("migrations", "migrations/0001_spector_triggers.sql", sql);
 * ```
 */
export function writeFileAtomic(out: string, file: string, text: string): void {
  const temporary = temporaryFile(out);
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

/** The changes a run made to a migrations folder, to undo them when it fails. */
export interface FolderChanges {
  /** Writes `file` (atomically), remembering what it held before. */
  write(file: string, text: string): void;
  /** Puts the folder back as it was when {@link trackChanges} was called: new files removed, changed ones restored. */
  undo(): void;
}

/**
 * Starts recording the changes to the migrations folder `out`, both this run's and drizzle-kit's, so
 * that a run that fails leaves the folder as it found it.
 *
 * @example
 * ```ts
 * const changes = trackChanges("migrations");
 * try {
 *   changes.write("migrations/0004_tables.sql", text);
 * } catch (error) {
 *   changes.undo();
 *   throw error;
 * }
 * ```
 */
export function trackChanges(out: string): FolderChanges {
  const meta = join(out, "meta");
  const metaExisted = existsSync(meta);
  const before = new Set(listFiles(out));
  // drizzle-kit rewrites the journal; other files it only adds
  const originals = new Map<string, string>();
  const journal = join(meta, "_journal.json");
  if (existsSync(journal)) originals.set(journal, readFileSync(journal, "utf8"));
  return {
    write(file, text) {
      if (!originals.has(file) && existsSync(file)) originals.set(file, readFileSync(file, "utf8"));
      writeFileAtomic(out, file, text);
    },
    undo() {
      for (const file of listFiles(out)) if (!before.has(file)) rmSync(file, { recursive: true, force: true });
      for (const [file, text] of originals) writeFileAtomic(out, file, text);
      if (!metaExisted) rmSync(meta, { recursive: true, force: true });
    },
  };
}

/** The migration files of `out` and the files of its `meta/` folder (not the lock and temporary files). */
function listFiles(out: string): string[] {
  const files = (dir: string) => (existsSync(dir) ? readdirSync(dir).map((file) => join(dir, file)) : []);
  const ours = (file: string) => basename(file) === "meta" || basename(file).startsWith(".drizzle-spector");
  return [...files(out).filter((file) => !ours(file)), ...files(join(out, "meta"))];
}
