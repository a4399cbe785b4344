/**
 * `drizzle-spector generate`: drizzle-kit's migration, then one custom migration with the rules of the
 * tables that lack them (or whose rule changed), and the removal of the rules of tables that went away.
 *
 * @module
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { GenerateError } from "../errors.js";
import { ruleTargets } from "../sql/rules.js";
import { describeList, shardListStatements, shardLists, type ShardList } from "../sql/shard-lists.js";
import { joinStatements, splitStatements } from "../sql/statements.js";
import { waitForNextMigrationName, runDrizzleKit, silentFailure } from "./drizzle-kit.js";
import { lockFolder, trackChanges, type FolderChanges } from "./folder.js";
import {
  checkMigrationFiles,
  journalFile,
  migrationFile,
  readJournal,
  readRuleState,
  snapshotTables,
} from "./migrations.js";
import { loadProject, type Project } from "./project.js";
import { repairFolder } from "./repair.js";
import { checkShardGrowth, recordedInMigrations } from "../check/shard-history.js";
import { keepPrimaryKeys } from "./primary-key.js";
import { getMeta } from "../tables/meta.js";
import { checkRuleKinds, placeStatements, planRules } from "./rule-plan.js";

/** Options of {@link generate}. */
export interface GenerateOptions {
  /** drizzle-kit config file. Default: `drizzle.config.ts`, else `.mts`, `.cts`, `.js`, `.mjs` or `.cjs`, in that order. */
  readonly config?: string;
  /** Directory the command runs in (drizzle-kit resolves `schema` and `out` from it). Default: the current one. */
  readonly cwd?: string;
  /** Name of the custom migration. Default `spector_triggers`. */
  readonly name?: string;
  /** Where progress goes. Default: `console.log`. */
  readonly log?: (line: string) => void;
}

/** What {@link generate} did. */
export interface GenerateResult {
  /** The migration drizzle-kit wrote for the tables, if any. */
  readonly tablesMigration: string | undefined;
  /** The migration with the rules' SQL, if one was needed (drizzle-kit's own, when it only drops rules). */
  readonly triggerMigration: string | undefined;
  /** `schema.table` of each table that got a rule (or got it again, changed). */
  readonly created: readonly string[];
  /** `schema.table` of each table whose rule was removed. */
  readonly dropped: readonly string[];
}

/** The default name of the custom migration. */
export const DEFAULT_MIGRATION_NAME = "spector_triggers";

/**
 * What is wrong with a custom migration's name (`--name`), or `undefined` when it is usable.
 * drizzle-kit puts the name into the migration's file name as it is (`0003_<name>.sql`), and into the
 * journal, so it must be a plain file-name part: letters, digits, `_` and `-`, at most 100 of them.
 *
 * @example
 * ```ts
 * migrationNameProblem("spector_triggers"); // undefined
 * migrationNameProblem("../x"); // 'expected `--name` to be ... got "../x"'
 * ```
 */
export function migrationNameProblem(name: string): string | undefined {
  if (/^[A-Za-z0-9_-]{1,100}$/.test(name)) return undefined;
  return (
    "expected `--name` to be the custom migration's name, 1 to 100 letters, digits, `_` or `-` " +
    `(drizzle-kit makes it part of the file name, e.g. 0003_${DEFAULT_MIGRATION_NAME}.sql), got ${JSON.stringify(name)}`
  );
}

/**
 * Runs `drizzle-kit generate`, then writes the rules' migration. Run again with no schema change, it
 * writes nothing. Everything that can be checked before drizzle-kit runs is checked first (the name,
 * the config, the schema files, exported PostgreSQL schemas, clashing names, the journal), and a run
 * that fails later undoes what it and drizzle-kit wrote, so a refused run leaves the folder as it was.
 *
 * One run at a time writes to a migrations folder (a lock file in it); a run killed midway leaves its
 * lock, and the next run repairs what it left (see `repair.ts`) before doing its own work.
 *
 * @example
 * ```ts
 * const result = await generate({ config: "drizzle.config.ts" });
 * console.log(result.created); // ["public.event_ancestors", "public.event_links"]
 * ```
 * @throws {GenerateError} when the name, the schema or the migrations folder is unusable, another run holds the
 * folder, or drizzle-kit fails or stops at an interactive question.
 */
export async function generate(options: GenerateOptions = {}): Promise<GenerateResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const name = options.name ?? DEFAULT_MIGRATION_NAME;
  const nameProblem = migrationNameProblem(name);
  if (nameProblem !== undefined) throw new GenerateError(nameProblem);
  const project = await loadProject(options);
  const outExisted = existsSync(project.out);
  const lock = lockFolder(project.out, name);
  let done = false;
  try {
    repairFolder(project.out, { interrupted: lock.interrupted, name, log });
    checkMigrationFiles(project.out, readJournal(project.out));
    checkRuleKinds(readRuleState(project.out)); // refused now, before drizzle-kit writes anything
    const shards = checkShards(project);
    const changes = trackChanges(project.out);
    try {
      const result = await generateInLockedFolder(project, name, shards, changes, log);
      done = true;
      return result;
    } catch (error) {
      changes.undo(); // a failed run leaves the folder as it found it
      throw error;
    }
  } finally {
    // a folder this run created goes as a whole when it fails, the lock inside it too
    if (!done && !outExisted) rmSync(project.out, { recursive: true, force: true });
    else lock.release();
  }
}

/**
 * Holds the schema's `shards` lists to what the migrations recorded (or, for a list they do not
 * record, to the tables of the last snapshot), and returns the lists to record.
 */
function checkShards({ out, exports }: Project): readonly ShardList[] {
  const lists = shardLists(exports);
  if (lists.length === 0) return [];
  const journal = readJournal(out);
  const texts = journal.map((entry) => readFileSync(migrationFile(out, entry.tag), "utf8"));
  return checkShardGrowth(recordedInMigrations(texts), snapshotTables(out, journal), lists, "the migrations").record;
}

/**
 * Takes drizzle-kit's drop-and-add of an events table's primary key out of every migration (see
 * `primary-key.ts`): a snapshot from before the key moved to the column makes drizzle-kit write it once,
 * and it cannot run anywhere, so no database has applied it.
 */
function keepEventKeys(
  out: string,
  journal: readonly { readonly tag: string }[],
  exports: Project["exports"],
  changes: FolderChanges,
  log: (line: string) => void,
): void {
  const tables = Object.values(exports)
    .map(getMeta)
    // a Citus-layout key is `(parent_id, id)`, made table-level from the start: nothing moved
    .filter((meta) => meta?.kind === "events" && meta.layout !== "citus")
    .map((meta) => ({ pgSchema: meta!.pgSchema, name: meta!.name }));
  for (const { tag } of journal) {
    const file = migrationFile(out, tag);
    const kept = keepPrimaryKeys(readFileSync(file, "utf8"), tables);
    if (kept === undefined) continue;
    changes.write(file, kept);
    log(`drizzle-spector kept the events tables' primary keys in ${tag}.sql (drizzle-kit's drop and re-add taken out)`);
  }
}

/** The steps of {@link generate} once the folder is locked, repaired and checked. */
async function generateInLockedFolder(
  { cwd, configFile, config, out, exports }: Project,
  name: string,
  shards: readonly ShardList[],
  changes: FolderChanges,
  log: (line: string) => void,
): Promise<GenerateResult> {
  const targets = ruleTargets(exports);
  const before = readJournal(out);
  const output = runDrizzleKit(cwd, ["generate", "--config", configFile], "generate the tables' migration");
  const afterTables = readJournal(out);
  const failure = afterTables.length === before.length ? silentFailure(output) : undefined;
  if (failure !== undefined) throw new GenerateError(failure);
  const tablesMigration = afterTables.length > before.length ? afterTables.at(-1)!.tag : undefined;
  log(tablesMigration ? `drizzle-kit wrote ${tablesMigration}.sql` : "drizzle-kit: no table changes");
  keepEventKeys(out, afterTables, exports, changes, log);
  const known = snapshotTables(out, afterTables);
  const unknown = [...new Set(targets.map((target) => target.table))].filter((table) => !known.has(table));
  if (unknown.length > 0) {
    throw new GenerateError(
      `drizzle-kit does not know the link table(s) ${unknown.join(", ")}: export each table by name from a file ` +
        "the config's `schema` names (tables inside exported objects are not seen). Nothing was written",
    );
  }

  const plan = planRules(readRuleState(out), targets);
  if (plan.create.length === 0 && plan.drop.length === 0 && shards.length === 0) {
    log("drizzle-spector: same-parent triggers are up to date (so are the record chains and append-only guards)");
    return { tablesMigration, triggerMigration: undefined, created: [], dropped: [] };
  }
  // one entry per table: a table may get (or lose) several rules
  const created = [...new Set(plan.create.map((target) => target.table))];
  const dropped = [...new Set(plan.drop.map((drop) => drop.table))];
  // same-parent rules by their table alone, as before other kinds existed; the others with their kind
  const described = (kind: string, table: string) => (kind === "same-parent" ? table : `${kind} ${table}`);
  const summary =
    `rule added: ${plan.create.map((t) => described(t.rule.kind, t.table)).join(", ") || "none"}; ` +
    `removed: ${plan.drop.map((d) => described(d.rule.kind, d.table)).join(", ") || "none"}` +
    (shards.length === 0 ? "" : `; shards recorded: ${shards.map(describeList).join("; ")}`);
  const rules = placeStatements(plan, tablesMigration);
  // the shard lists' comments follow the tables, in the custom migration
  const placed = { lead: rules.lead, custom: [...rules.custom, ...shards.flatMap(shardListStatements)] };
  for (const [tag, statements] of placed.lead) {
    const file = migrationFile(out, tag);
    changes.write(file, joinStatements([...statements, ...splitStatements(readFileSync(file, "utf8"))]));
  }
  const ledInto = [...placed.lead.keys()].map((tag) => `${tag}.sql`).join(", ");
  if (placed.custom.length === 0) {
    log(`drizzle-spector added to ${ledInto} (${summary})`);
    return { tablesMigration, triggerMigration: [...placed.lead.keys()].at(-1), created, dropped };
  }
  await waitForNextMigrationName(config.migrations?.prefix, afterTables.at(-1)?.when);
  runDrizzleKit(cwd, ["generate", "--custom", `--name=${name}`, "--config", configFile], "create the custom migration");
  const afterCustom = readJournal(out);
  if (afterCustom.length !== afterTables.length + 1) {
    throw new GenerateError(`drizzle-kit generate --custom did not add a migration to ${journalFile(out)}`);
  }
  const tag = afterCustom.at(-1)!.tag;
  changes.write(migrationFile(out, tag), joinStatements(placed.custom));
  log(`drizzle-spector wrote ${tag}.sql${ledInto ? ` and added to ${ledInto}` : ""} (${summary})`);
  return { tablesMigration, triggerMigration: tag, created, dropped };
}
