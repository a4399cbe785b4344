#!/usr/bin/env node
/**
 * The `drizzle-spector` command.
 *
 * ```sh
 * npx drizzle-spector generate [--config drizzle.config.ts] [--name spector_triggers]
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { GenerateError, generate } from "./generate.js";

const USAGE = `usage: drizzle-spector generate [--config FILE] [--name NAME]

  generate   run drizzle-kit generate, then write a custom migration with the same-parent
             triggers for new constrained link tables (and drop those of removed ones)
  --config   drizzle-kit config file (default: drizzle.config.ts)
  --name     name of the custom migration (default: spector_triggers)`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { config: { type: "string" }, name: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    console.error(`drizzle-spector: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== "generate") {
    console.error(
      `drizzle-spector: expected the command \`generate\`, got ${JSON.stringify(positionals.join(" "))}\n${USAGE}`,
    );
    return 2;
  }
  try {
    await generate({ config: values.config, name: values.name });
    return 0;
  } catch (error) {
    if (error instanceof GenerateError) {
      console.error(`drizzle-spector: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
