/**
 * The plan of the tables `spectorTables` builds: every option it is given is checked here, before any
 * table is built or any SQL is written, and turned into a plan of the tables to build (`meta.ts`). Bad
 * input gets a `SpectorOptionError` (a `TypeError`) that names the option, shows the value and says
 * what is expected. The checks of an events table's options are in `event-options.ts`, of a link spec
 * in `link-spec.ts`, of the names the tables claim in `name-claims.ts`.
 *
 * @module
 */
import { OPTIONS, at, checkDenseArray, checkDerivedNames, checkName } from "../checks.js";
import { SpectorOptionError } from "../errors.js";
import { MAX_SHARDS } from "../ids.js";
import { eventTableNames, linkTableNames, names } from "../naming/index.js";
import { checkEventTableOptions } from "./event-options.js";
import { checkLinkSpec } from "./link-spec.js";
import type { SchemaPlan } from "./meta.js";
import { claimNames, eventTableNameLimit } from "./name-claims.js";

/**
 * Checks every option of `spectorTables` and returns the tables they define. Throws a
 * `SpectorOptionError` on the first problem; nothing is built before this returns.
 *
 * @example
 * ```ts
 * const plan = planSchema({ shards: ["events_0", "events_1"], links: [["ancestors", "ancestor_id"]] });
 * plan.links.map((l) => l.name); // ["events_0_ancestors", "events_1_ancestors"]
 * ```
 */
export function planSchema(options: unknown): SchemaPlan {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new SpectorOptionError(OPTIONS, options, "an object with `table` or `shards`");
  }
  const object = options as Record<string, unknown>;
  const { pgSchema, ...shared } = checkEventTableOptions(options, ["table", "shards", "foreignShards", "links"]);
  const [tablePath, shardsPath, linksPath] = [at(OPTIONS, "table"), at(OPTIONS, "shards"), at(OPTIONS, "links")];

  const hasTable = object.table !== undefined;
  if (shared.layout === "citus" && object.shards !== undefined) {
    throw new SpectorOptionError(
      shardsPath,
      object.shards,
      'left out with `layout: "citus"` (Citus distributes one events table by `parent_id`, which replaces `shards`: give `table`)',
    );
  }
  if (hasTable === (object.shards !== undefined)) {
    throw new SpectorOptionError(
      hasTable ? shardsPath : tablePath,
      hasTable ? object.shards : object.table,
      hasTable
        ? "left out when `table` is given (give exactly one of `table` and `shards`)"
        : "a table name, or `shards` a list of table names (give exactly one of `table` and `shards`)",
    );
  }
  let eventNames: string[];
  if (hasTable) {
    eventNames = [checkName(tablePath, object.table, "an events table name", eventTableNameLimit(shared.recordIndex))];
  } else {
    if (!Array.isArray(object.shards) || object.shards.length === 0) {
      throw new SpectorOptionError(shardsPath, object.shards, "a non-empty array of events table names");
    }
    if (object.shards.length > MAX_SHARDS) {
      throw new SpectorOptionError(
        shardsPath,
        `${object.shards.length} shards`,
        `at most ${MAX_SHARDS} events table names (a record id carries its shard index in one byte)`,
      );
    }
    checkDenseArray(shardsPath, object.shards, "an events table name");
    const limit = eventTableNameLimit(shared.recordIndex);
    eventNames = object.shards.map((shard, i) => checkName(at(shardsPath, i), shard, "an events table name", limit));
  }
  const foreignPath = at(OPTIONS, "foreignShards");
  if (hasTable && object.foreignShards !== undefined) {
    throw new SpectorOptionError(
      foreignPath,
      object.foreignShards,
      "left out when `table` is given (it counts `shards`)",
    );
  }
  const foreign = hasTable ? 1 : (object.foreignShards ?? eventNames.length);
  if (!Number.isInteger(foreign) || (foreign as number) < 1 || (foreign as number) > eventNames.length) {
    throw new SpectorOptionError(
      foreignPath,
      object.foreignShards,
      `an integer from 1 to the number of \`shards\` (${eventNames.length}): how many of the first shards ids not made by drizzle-spector route over`,
    );
  }
  const eventPath = (i: number) => (hasTable ? tablePath : at(shardsPath, i));
  eventNames.forEach((name, i) =>
    checkDerivedNames(eventPath(i), name, eventTableNames(name, shared.recordIndex, shared.layout)),
  );

  if (object.links !== undefined && !Array.isArray(object.links)) {
    throw new SpectorOptionError(linksPath, object.links, "an array of link specs `[linkTable, foreignKey, options?]`");
  }
  const specs = (object.links ?? []) as unknown[];
  checkDenseArray(linksPath, specs, "a link spec");
  const links = eventNames.flatMap((events) =>
    specs.map((spec, i) =>
      checkLinkSpec(
        at(linksPath, i),
        spec,
        events,
        shared.appendOnly,
        hasTable ? undefined : (link) => names.shardLinkTable(events, link),
        shared.layout,
      ),
    ),
  );

  const plan: SchemaPlan = {
    pgSchema,
    events: eventNames.map((name, index) => ({
      name,
      ...shared,
      shard: hasTable ? undefined : { names: Object.freeze([...eventNames]), index, foreign: foreign as number },
    })),
    links,
  };
  claimNames([
    ...plan.events.map((events, i) => ({
      option: eventPath(i),
      value: events.name,
      names: eventTableNames(events.name, events.recordIndex, events.layout),
    })),
    ...plan.links.map((link, i) => ({
      option: at(at(linksPath, i % Math.max(specs.length, 1)), 0),
      value: link.name,
      names: linkTableNames(link),
    })),
  ]);
  return plan;
}
