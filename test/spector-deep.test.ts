/**
 * Payloads nested deeper than any fixed limit, on Spector's chain (`hashed: true`): the encoder has no
 * depth limit, as Spector's has none (test/fixtures/erlang-deep.escript, run with Erlang/OTP 25, made
 * the reference values), and `verifyChain` verifies every depth PostgreSQL's jsonb stores: 10,001
 * levels, and the deepest the server accepts, found by asking it (it depends on `max_stack_depth`).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  appendEvent,
  jsonText,
  spectorHash,
  spectorJson,
  spectorSchemas,
  spectorTables,
  verifyChain,
} from "../src/index.js";
import { backends, describeBackends, useDatabase, type TestDatabase } from "./support/backends.js";
import { expectRejects, pgError } from "./support/failures.js";
import { createSql } from "./support/ddl.js";

type Shape = "array" | "object" | "mixed";

interface DeepPayload {
  readonly shape: Shape;
  readonly depth: number;
  readonly length: number;
  readonly sha256: string;
  readonly hash: string;
}

const fixture = JSON.parse(readFileSync(new URL("./fixtures/erlang-deep.json", import.meta.url), "utf8")) as {
  readonly payloads: readonly DeepPayload[];
};

/**
 * The payload of `shape` nested `depth` levels deep, as PostgreSQL's jsonb output writes it: arrays
 * `[[1]]`, objects `{"a": {"a": 1}}`, or both in turn from the inside out (`{"b": 1, "k": [...]}`
 * at odd levels), as test/fixtures/erlang-deep.escript builds them.
 */
function deepText(shape: Shape, depth: number): string {
  if (shape === "array") return "[".repeat(depth) + "1" + "]".repeat(depth);
  if (shape === "object") return '{"a": '.repeat(depth) + "1" + "}".repeat(depth);
  const opens: string[] = [];
  const closes: string[] = [];
  for (let level = depth; level > 0; level--) {
    opens.push(level % 2 === 0 ? "[" : `{"b": ${level}, "k": `);
    closes.push(level % 2 === 0 ? "]" : "}");
  }
  return opens.join("") + "1" + closes.reverse().join("");
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("the encoder has no depth limit, as Spector's has none (values made by Erlang/OTP)", () => {
  const cases = fixture.payloads.filter((p) => p.depth <= 50_000 || p.shape === "array");

  test.each(cases.map((p) => [p.shape, p.depth, p] as const))(
    "%s nested %i levels: Spector's bytes and hash",
    (_shape, _depth, p) => {
      const json = spectorJson(deepText(p.shape, p.depth));
      expect(json.length).toBe(p.length);
      expect(sha256(json)).toBe(p.sha256);
      expect(spectorHash(null, "Elixir.Deep.Event", "insert", json).toString("hex")).toBe(p.hash);
    },
  );
});

const { deep } = spectorTables({
  table: "deep",
  hashed: true,
  schemas: spectorSchemas(["event"]),
  schemaModules: { event: "Deep.Event" },
  actions: {},
});

/**
 * The deepest array PostgreSQL's jsonb accepts in a query (deeper ones fail with "stack depth limit
 * exceeded", 54001: the limit depends on `max_stack_depth`). An INSERT uses more of the stack before
 * it parses the payload, so the test starts from there and goes down.
 */
async function deepestArray(t: TestDatabase): Promise<number> {
  const fits = async (depth: number) => {
    try {
      await t.query(`SELECT $1::text::jsonb IS NOT NULL AS ok`, [deepText("array", depth)]);
      return true;
    } catch (error) {
      expect(pgError(error).code).toBe("54001");
      return false;
    }
  };
  let [low, high] = [1, 1_000_000];
  expect(await fits(low)).toBe(true);
  expect(await fits(high)).toBe(false);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (await fits(middle)) low = middle;
    else high = middle;
  }
  return low;
}

const hex = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString("hex") : null);

// PostgreSQL only: PGlite 0.5 (WebAssembly) fails inside on an INSERT of a payload 10,001 levels deep
// ("bad buffer ID: 0"), so it stores less than PostgreSQL does
describeBackends(
  "verifyChain on payloads nested as deep as PostgreSQL stores them",
  (backend) => {
    const t = useDatabase(backend, async (t) => t.execMigration(await createSql({ deep })));

    test.each(["array", "object", "mixed"] as const)(
      "a valid event nested 10,001 levels deep (%s) is hashed as Spector hashes it, and verifies",
      async (shape) => {
        await t.query("TRUNCATE deep");
        const row = await appendEvent(t.db, deep, {
          schema: "event",
          action: "insert",
          payload: jsonText(deepText(shape, 10_001)),
        });
        const reference = fixture.payloads.find((p) => p.shape === shape && p.depth === 10_001)!;
        expect(hex(row.hash)).toBe(reference.hash);
        expect(await verifyChain(t.db, deep)).toEqual({ ok: true, count: 1 });
      },
    );

    test("an event as deep as PostgreSQL's jsonb stores verifies, after one that is not deep, and tampering is still found", async () => {
      await t.query("TRUNCATE deep");
      const first = await appendEvent(t.db, deep, { schema: "event", action: "insert", payload: { n: 1 } });
      const limit = await deepestArray(t);
      expect(limit).toBeGreaterThan(10_001);
      const append = (depth: number) =>
        appendEvent(t.db, deep, {
          schema: "event",
          action: "insert",
          parentId: first.id,
          payload: jsonText(deepText("array", depth)),
        });
      // from the query's limit down, 100 levels at a time, to the deepest an INSERT stores
      let depth = limit;
      let deepest: Awaited<ReturnType<typeof append>> | undefined;
      while (deepest === undefined) {
        expect(limit - depth).toBeLessThan(5_000);
        try {
          deepest = await append(depth);
        } catch (error) {
          expect(pgError(error).code).toBe("54001");
          depth -= 100;
        }
      }
      // 100 levels more is refused (it was, on the way down, or it is beyond the query's limit)
      await expectRejects(append(depth + 100), { sqlstate: "54001" });
      const json = "[".repeat(depth) + "1" + "]".repeat(depth);
      expect(hex(deepest.hash)).toBe(spectorHash(hex(first.hash), "Elixir.Deep.Event", "insert", json).toString("hex"));
      expect(await verifyChain(t.db, deep)).toEqual({ ok: true, count: 2 });
      // the innermost 1 changed to 2: the same depth, another hash
      await t.query(`UPDATE deep SET payload = $1::text::jsonb WHERE id = $2`, [
        deepText("array", depth).replace("1", "2"),
        deepest.id,
      ]);
      expect(await verifyChain(t.db, deep)).toMatchObject({ ok: false, eventId: deepest.id, reason: "mismatch" });
    });
  },
  backends().filter((backend) => backend !== "pglite"),
);
