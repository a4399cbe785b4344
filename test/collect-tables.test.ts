/**
 * Each schema load collects its own tables (`collectTables`, what the command line checks a schema
 * with): a load that failed leaves nothing for the next, and a load still running (one given up on, as
 * a timed-out test gives up on an in-process `generate`) records what it builds in its own list, never
 * in the list of a load that started after it.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { collectTables } from "../src/cli/collect-tables.js";
import { loadProject } from "../src/cli/project.js";
import { spectorTables } from "../src/index.js";
import { getMeta, type BuiltTable } from "../src/tables/meta.js";
import { INDEX, useScratchProject } from "./support/scratch-project.js";

const names = (tables: readonly BuiltTable[]) => tables.map(({ table }) => getMeta(table)!.name);

/** A promise and the function that resolves it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe("collectTables", () => {
  test("a load that failed after building tables leaves none of them in the next load's list", async () => {
    await expect(
      collectTables(async () => {
        spectorTables({ table: "failed_events", links: [["failed_links", "other_id"]] });
        throw new Error("the schema file threw");
      }),
    ).rejects.toThrow("the schema file threw");
    const { tables } = await collectTables(async () => spectorTables({ table: "next_events" }));
    expect(names(tables)).toEqual(["next_events"]);
  });

  test("a load still running records what it builds in its own list, not in a later load's", async () => {
    const first = gate();
    const second = gate();
    const late = collectTables(async () => {
      await first.opened;
      return spectorTables({ table: "late_events", links: [["late_links", "other_id"]] });
    });
    const later = collectTables(async () => {
      await second.opened;
      return spectorTables({ table: "later_events" });
    });
    first.open(); // the first load builds its tables while the second is still running
    const { tables: lateTables } = await late;
    second.open();
    const { tables: laterTables } = await later;
    expect(names(lateTables)).toEqual(["late_events", "late_links"]);
    expect(names(laterTables)).toEqual(["later_events"]);
  });

  test("a load within another collects its own tables, which the outer load's list gets too", async () => {
    const { tables: outer, result: inner } = await collectTables(async () => {
      spectorTables({ table: "outer_events" });
      return collectTables(async () => spectorTables({ table: "inner_events" }));
    });
    expect(names(inner.tables)).toEqual(["inner_events"]);
    expect(names(outer)).toEqual(["outer_events", "inner_events"]);
  });

  test("outside a load no table is recorded", async () => {
    spectorTables({ table: "unloaded_events" });
    const { tables } = await collectTables(async () => undefined);
    expect(tables).toEqual([]);
  });
});

describe("loadProject, two loads at once", () => {
  const slow = useScratchProject();
  const quick = useScratchProject();

  test("a schema that builds its tables while another project loads does not make that project's names clash", async () => {
    const schema = (gateName: string) =>
      `import { spectorTables } from ${JSON.stringify(INDEX)};\n` +
      `await (globalThis as unknown as Record<string, Promise<void>>)[${JSON.stringify(gateName)}];\n` +
      `export const { events, links } = spectorTables({ table: "events", links: [["links", "other_id"]] });\n`;
    writeFileSync(join(slow, "schema.ts"), schema("__collectSlow"));
    writeFileSync(join(quick, "schema.ts"), schema("__collectQuick"));
    const gates = globalThis as unknown as Record<string, Promise<void>>;
    const slowGate = gate();
    const quickGate = gate();
    gates.__collectSlow = slowGate.opened;
    gates.__collectQuick = quickGate.opened;
    try {
      const slowLoad = loadProject({ cwd: slow });
      const quickLoad = loadProject({ cwd: quick });
      slowGate.open(); // the first project's tables are built while the second's load runs
      const slowProject = await slowLoad;
      quickGate.open();
      const quickProject = await quickLoad;
      expect(slowProject.exports.map((table) => getMeta(table)?.name)).toEqual(["events", "links"]);
      expect(quickProject.exports.map((table) => getMeta(table)?.name)).toEqual(["events", "links"]);
      expect(quickProject.exports[0]).not.toBe(slowProject.exports[0]);
    } finally {
      delete gates.__collectSlow;
      delete gates.__collectQuick;
    }
  });
});
