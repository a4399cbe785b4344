/**
 * The schema file of a Citus-layout scratch project, for the suites that run `drizzle-spector
 * generate` on it (`citus-layout.test.ts`, and `citus.test.ts` on a cluster).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { INDEX } from "./scratch-project.js";

/**
 * Writes `schema.ts` in `dir`: events `events` with `layout: "citus"` and the link table
 * `event_ancestors`, in PostgreSQL schema `pgSchema` when given; `later` adds `later_links` (a link
 * table added later, with `linkTable`).
 */
export function writeCitusSchema(dir: string, options: { pgSchema?: string; later?: boolean } = {}): void {
  const { pgSchema, later = false } = options;
  const imports = `import { spectorTables, linkTable } from ${JSON.stringify(INDEX)};\n`;
  const schema =
    pgSchema === undefined
      ? ""
      : `import { pgSchema } from "drizzle-orm/pg-core";\nexport const spector_schema = pgSchema(${JSON.stringify(pgSchema)});\n`;
  const options_ = JSON.stringify({
    table: "events",
    layout: "citus",
    actions: {},
    links: [["event_ancestors", "ancestor_id"]],
    ...(pgSchema === undefined ? {} : { pgSchema }),
  });
  writeFileSync(
    join(dir, "schema.ts"),
    imports +
      schema +
      `export const { events, event_ancestors } = spectorTables(${options_} as const);\n` +
      (later ? `export const later_links = linkTable(events, ["later_links", "later_id"]);\n` : ""),
  );
}
