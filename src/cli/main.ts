#!/usr/bin/env node
/**
 * The `drizzle-spector` command: reads the command line and runs one of {@link COMMANDS}. The work
 * itself is in the command's module (`generate.ts`).
 *
 * ```sh
 * npx drizzle-spector generate [--config drizzle.config.ts] [--name spector_triggers]
 * npx drizzle-spector push [--config drizzle.config.ts] [--force]
 * npx drizzle-spector check [--config drizzle.config.ts] [--json]
 * npx drizzle-spector verify [--config drizzle.config.ts] [--table events] [--record ID] [--json]
 * npx drizzle-spector consumers [--config drizzle.config.ts] [--json]
 * npx drizzle-spector --help | --version
 * npx drizzle-spector generate --help
 * ```
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { GenerateError } from "../errors.js";
import { check } from "./check.js";
import { consumers } from "./consumers.js";
import { generate, migrationNameProblem } from "./generate.js";
import { push } from "./push.js";
import { verify } from "./verify.js";

/**
 * A command: its options, the lines of usage it adds, and what it does with the parsed values (it may
 * return its exit code; by default 0).
 */
interface Command {
  readonly options: NonNullable<ParseArgsConfig["options"]>;
  readonly usage: string;
  /** What is wrong with the option values, if anything (a bad command line: exit 2). */
  validate?(values: Record<string, string | boolean | undefined>): string | undefined;
  run(values: Record<string, string | boolean | undefined>): Promise<number | void>;
}

/** Every command, by name. */
const COMMANDS: Record<string, Command> = {
  generate: {
    options: { config: { type: "string" }, name: { type: "string" } },
    usage: `drizzle-spector generate [--config FILE] [--name NAME]

  generate   run drizzle-kit generate, then write a custom migration with what drizzle-kit
             cannot: the rules of new tables (same-parent triggers of link tables, record
             chains, append-only guards, Citus distribution; drops those no table asks for)
             and the shards lists
  --config   drizzle-kit config file (default: drizzle.config.{ts,mts,cts,js,mjs,cjs})
  --name     name of the custom migration: letters, digits, _ and - (default: spector_triggers)`,
    validate(values) {
      return values.name === undefined ? undefined : migrationNameProblem(values.name as string);
    },
    async run(values) {
      await generate({ config: values.config as string | undefined, name: values.name as string | undefined });
    },
  },
  push: {
    options: { config: { type: "string" }, force: { type: "boolean" } },
    usage: `drizzle-spector push [--config FILE] [--force]

  push       run drizzle-kit push, then install the rules (same-parent triggers, record
             chains, append-only guards, Citus distribution) and record the shards lists in
             the database the config's dbCredentials name
  --config   drizzle-kit config file (default: drizzle.config.{ts,mts,cts,js,mjs,cjs})
  --force    pass --force to drizzle-kit push (run statements that lose data without asking)`,
    async run(values) {
      await push({ config: values.config as string | undefined, force: values.force === true });
    },
  },
  check: {
    options: { config: { type: "string" }, json: { type: "boolean" } },
    usage: `drizzle-spector check [--config FILE] [--json]

  check      compare the database (DATABASE_URL, else the config's dbCredentials) with the
             schema: every rule (same-parent triggers, record chains, append-only guards,
             Citus distribution) installed as this version writes it, none left over, and
             the shards lists recorded; print what differs; exit 1 when anything does
  --config   drizzle-kit config file (default: drizzle.config.{ts,mts,cts,js,mjs,cjs})
  --json     print one JSON document instead of lines`,
    async run(values) {
      const result = await check({ config: values.config as string | undefined, json: values.json === true });
      return result.differences.length === 0 ? 0 : 1;
    },
  },
  verify: {
    options: {
      config: { type: "string" },
      table: { type: "string" },
      record: { type: "string" },
      json: { type: "boolean" },
    },
    usage: `drizzle-spector verify [--config FILE] [--table NAME] [--record ID] [--json]

  verify     verify the hash chains of every hashed table of the schema (or of --table) in the
             database (DATABASE_URL, else the config's dbCredentials): Spector's chain of a
             hashed: true table, the record chains of a hashed: "record" one (in the database);
             exit 0 when every chain verifies, 1 when one is broken, 2 when it could not run
  --config   drizzle-kit config file (default: drizzle.config.{ts,mts,cts,js,mjs,cjs})
  --table    the one table to verify: its name, or schema.name
  --record   the one record to verify (its id), in a record-chained table: the shard of
             a shards list its id routes to; --table picks the table when several have
             record chains (any shard of a list will do)
  --json     print one JSON document instead of lines`,
    async run(values) {
      try {
        const result = await verify({
          config: values.config as string | undefined,
          table: values.table as string | undefined,
          record: values.record as string | undefined,
          json: values.json === true,
        });
        return result.ok ? 0 : 1;
      } catch (error) {
        if (!(error instanceof GenerateError)) throw error;
        console.error(`drizzle-spector: ${error.message}`);
        if (values.json === true) console.log(JSON.stringify({ ok: false, error: error.message }, null, 2));
        return 2; // could not run: not the same as a broken chain
      }
    },
  },
  consumers: {
    options: { config: { type: "string" }, json: { type: "boolean" } },
    usage: `drizzle-spector consumers [--config FILE] [--json]

  consumers  print each consumer of the schema's checkpoints tables (consumerTable): its
             cursor, how many committed events it is behind and since when, and the
             backends holding it (an instance in a batch, a positioner's lock)
  --config   drizzle-kit config file (default: drizzle.config.{ts,mts,cts,js,mjs,cjs})
  --json     print one JSON document instead of lines`,
    async run(values) {
      try {
        await consumers({ config: values.config as string | undefined, json: values.json === true });
        return 0;
      } catch (error) {
        if (!(error instanceof GenerateError)) throw error;
        console.error(`drizzle-spector: ${error.message}`);
        return 2;
      }
    },
  },
};

/** The options every command takes. */
const GLOBAL_OPTIONS = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const satisfies Command["options"];

const GLOBAL_USAGE = `  --help     print this help (after a command: that command's), and exit
  --version  print drizzle-spector's version, and exit`;

const USAGE = `usage: ${Object.values(COMMANDS)
  .map((command) => command.usage)
  .join("\n\n")}\n\n${GLOBAL_USAGE}`;

/** The usage of one command, with the options every command takes. */
function commandUsage(command: Command): string {
  return `usage: ${command.usage}\n${GLOBAL_USAGE}`;
}

/** drizzle-spector's version: from the package.json of the package this file is part of (in src/ or a build). */
function version(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      const { name, version } = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string; version?: string };
      if (name === "drizzle-spector" && typeof version === "string") return version;
    }
    if (dirname(dir) === dir) return "unknown";
  }
}

/**
 * Runs the command line `argv` and returns the exit code: 0 done, 1 the command failed (or `check`
 * found differences), 2 a bad command line.
 */
async function main(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    const options: Command["options"] = Object.assign(
      { ...GLOBAL_OPTIONS },
      ...Object.values(COMMANDS).map((command) => command.options),
    );
    ({ values, positionals } = parseArgs({ args: argv, allowPositionals: true, options }) as {
      values: typeof values;
      positionals: string[];
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const name = positionals.length === 1 ? positionals[0]! : undefined;
  const command = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  const known = positionals.length === 0 || command !== undefined; // `--help nope` is a bad command line
  if (values.version && known) {
    console.log(version());
    return 0;
  }
  if (values.help && known) {
    console.log(command === undefined ? USAGE : commandUsage(command));
    return 0;
  }
  if (command === undefined) {
    const commands = Object.keys(COMMANDS)
      .map((name) => `\`${name}\``)
      .join(", ");
    return usageError(`expected the command ${commands}, got ${JSON.stringify(positionals.join(" "))}`);
  }
  const stray = Object.keys(values).find(
    (option) => !Object.hasOwn(command.options, option) && !Object.hasOwn(GLOBAL_OPTIONS, option),
  );
  if (stray !== undefined) return usageError(`the command \`${name}\` has no option --${stray}`);
  const problem = command.validate?.(values);
  if (problem !== undefined) return usageError(problem);
  try {
    return (await command.run(values)) ?? 0;
  } catch (error) {
    if (error instanceof GenerateError) {
      console.error(`drizzle-spector: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

function usageError(message: string): number {
  console.error(`drizzle-spector: ${message}\n${USAGE}`);
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
