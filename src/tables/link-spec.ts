/**
 * The check of one link spec (`[linkTable, foreignKey, { typed, constrained }]`), which `spectorTables`
 * and `linkTable` both take, turned into the plan of its link table (`meta.ts`).
 *
 * @module
 */
import { at, checkBoolean, checkDerivedNames, checkName, checkObject } from "../checks.js";
import { SpectorOptionError } from "../errors.js";
import { COLUMNS, RESERVED_LINK_COLUMNS, linkTableNames } from "../naming/index.js";
import type { Layout, LinkTablePlan } from "./meta.js";

/**
 * Checks one link spec at `path` (e.g. `links[1]`) for the events table `events`; `linkName` turns the
 * spec's name into the table's (a shard's prefix).
 */
export function checkLinkSpec(
  path: string,
  spec: unknown,
  events: string,
  appendOnly: boolean,
  linkName?: (name: string) => string,
  layout: Layout = "spector",
): LinkTablePlan {
  if (!Array.isArray(spec) || spec.length < 2 || spec.length > 3) {
    throw new SpectorOptionError(
      path,
      spec,
      "a link spec `[linkTable, foreignKey]` or `[linkTable, foreignKey, { typed, constrained }]`",
    );
  }
  const table = checkName(at(path, 0), spec[0], "a link table name");
  const foreignKey = checkName(at(path, 1), spec[1], "a foreign key column name");
  if (RESERVED_LINK_COLUMNS.includes(foreignKey)) {
    throw new SpectorOptionError(
      at(path, 1),
      foreignKey,
      `a foreign key column name other than ${RESERVED_LINK_COLUMNS.map((c) => `\`${c}\``).join(", ")} (the link table's own columns)`,
    );
  }
  if (layout === "citus" && foreignKey === COLUMNS.parentId) {
    throw new SpectorOptionError(
      at(path, 1),
      foreignKey,
      'a foreign key column name other than `parent_id` (with `layout: "citus"` a link table has its own `parent_id`)',
    );
  }
  const options = checkObject(at(path, 2), spec[2], ["typed", "constrained"]);
  const plan: LinkTablePlan = {
    name: linkName ? linkName(table) : table,
    events,
    specName: table,
    foreignKey,
    typed: checkBoolean(at(at(path, 2), "typed"), options.typed, false),
    constrained: checkBoolean(at(at(path, 2), "constrained"), options.constrained, true),
    layout,
    appendOnly,
  };
  if (layout === "citus" && !plan.constrained) {
    throw new SpectorOptionError(
      at(at(path, 2), "constrained"),
      options.constrained,
      'left out with `layout: "citus"` (its foreign keys `(parent_id, ...)` keep both ends of a link in one record: the rule is the layout itself)',
    );
  }
  if (linkName) {
    checkName(
      at(path, 0),
      plan.name,
      `a link table name that, prefixed with the shard name, gives ${JSON.stringify(plan.name)} which is`,
    );
  }
  checkDerivedNames(at(path, 0), table, linkTableNames(plan));
  return plan;
}
