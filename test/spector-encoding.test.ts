/**
 * Spector's bytes without a database: the canonical payload encoding, Erlang's float notation and
 * `phash2`, the hash chain of the 30 vectors Elixir made, and Spector's numbering of schemas and actions.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  SpectorEncodingError,
  SpectorOptionError,
  elixirModule,
  erlangShortFloat,
  eventTable,
  phash2Atom,
  spectorActions,
  spectorHash,
  spectorJson,
  spectorSchemas,
} from "../src/index.js";
import { byCodePoint } from "../src/spector/json.js";
import { expectThrows } from "./support/failures.js";
import { readVectors } from "./support/spector-vectors.js";

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));

describe("the 30 vectors hashed by Elixir", () => {
  const vectors = readVectors();

  test("the stored payload encodes to Spector's bytes, and the chain to Spector's hashes, for every vector", () => {
    expect(vectors).toHaveLength(30);
    let previous: Buffer | null = null;
    for (const [i, v] of vectors.entries()) {
      expect(spectorJson(v.payloadStored), `vector ${i}`).toBe(v.encoded);
      const hash: Buffer = spectorHash(previous, v.schemaText, v.actionText, v.encoded);
      expect(hash.toString("hex"), `vector ${i}`).toBe(v.hash);
      previous = hash;
    }
  });

  test("the payload as sent encodes to the same bytes as the payload as stored (numbers are normalised as jsonb does)", () => {
    for (const [i, v] of vectors.entries()) expect(spectorJson(v.sentText), `vector ${i}`).toBe(v.encoded);
  });

  test("Spector hashes its text UTF-8 encoded twice: the vectors with non-ASCII text prove it, the ASCII ones are unchanged", () => {
    const nonAscii = vectors.filter((v) => /[^\u0000-\u007f]/.test(v.encoded));
    expect(nonAscii.length).toBeGreaterThan(5);
    for (const v of vectors) {
      const i = vectors.indexOf(v);
      const text = `${i === 0 ? "" : `${vectors[i - 1]!.hash}:`}${v.schemaText}.${v.actionText}${v.encoded}`;
      const once = createHash("sha256").update(text, "utf8").digest("hex");
      expect(once === v.hash, `vector ${i}`).toBe(!nonAscii.includes(v));
    }
  });
});

describe("the canonical encoding", () => {
  test("numbers: integers of any size exactly, floats in Erlang's notation after jsonb's normalisation", () => {
    const cases: [string, string][] = [
      ["0", "0"],
      ["-0", "0"],
      ["-0.0", "0.0"],
      ["1.0", "1.0"],
      ["1e3", "1000"],
      ["1.0e3", "1000"], // jsonb stores 1000: no digit after the point, so Spector decodes an integer
      ["1000.0", "1.0e3"],
      ["1.25e1", "12.5"],
      ["1E-5", "1.0e-5"],
      ["0.00001", "1.0e-5"],
      ["1.5e+21", "1500000000000000000000"],
      ["123456789012345678901234567890", "123456789012345678901234567890"],
      ["-42", "-42"],
      ["12300.5", "12300.5"],
      ["100.0", "100.0"],
      ["0.1000000000000000055511151231257827", "0.1"],
      ["1e-7", "1.0e-7"],
    ];
    for (const [text, encoded] of cases) expect(spectorJson(text), text).toBe(encoded);
  });

  test("deep nesting, which PostgreSQL stores, encodes without overflowing the stack, at any depth", () => {
    for (const depth of [5000, 10000, 10001, 100_000]) {
      const arrays = `${"[".repeat(depth)}1${"]".repeat(depth)}`;
      expect(spectorJson(arrays)).toBe(arrays);
      const objects = `${'{"b": 2, "a":'.repeat(depth)}1${"}".repeat(depth)}`;
      expect(spectorJson(objects)).toBe(`${'{"a":'.repeat(depth)}1${',"b":2}'.repeat(depth)}`);
    }
  });

  test("an integer with a zero exponent is stored, and encoded, without it (jsonb stores 5e0 as 5)", () => {
    const cases: [string, string][] = [
      ["5e0", "5"],
      ["-5E+0", "-5"],
      ["916045821E-0", "916045821"],
      ["86923424627638960063e+0", "86923424627638960063"],
      ["-0e0", "0"],
      ["[1e00]", "[1]"],
    ];
    for (const [text, encoded] of cases) expect(spectorJson(text), text).toBe(encoded);
  });

  test("strings escape only quote, backslash and control characters, in uppercase hex", () => {
    expect(spectorJson(JSON.stringify('a\u000bb\u001f\u007f/é😀"\\\b\t\n\f\r'))).toBe(
      '"a\\u000Bb\\u001F\u007f/é😀\\"\\\\\\b\\t\\n\\f\\r"',
    );
    expect(spectorJson('"\\u00e9\\ud83d\\ude00\\/"')).toBe('"é😀/"');
  });

  test("keys are sorted by UTF-8 bytes at every depth, a repeated key keeps its last value, whitespace goes", () => {
    expect(spectorJson('{ "b": 1, "a": [ {"z": 1, "y": 2} ], "😀": 0, "\uffff": 0, "é": 0, "b": 2 }')).toBe(
      '{"a":[{"y":2,"z":1}],"b":2,"é":0,"\uffff":0,"😀":0}',
    );
    const strings = ["a", "é", "\uffff", "😀", "\ue000", "ab", "", "\ud7ff"];
    const byBytes = [...strings].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...strings].sort(byCodePoint)).toEqual(byBytes);
  });

  test("SQL NULL encodes as Elixir encodes nil; text that is no JSON, or a number Spector cannot decode, is refused", () => {
    expect(spectorJson(null)).toBe("null");
    for (const text of [
      "",
      "{",
      '{"a" 1}',
      "[1,]",
      "01",
      "tru",
      '"\u0001"',
      "1 2",
      `1${"0".repeat(400)}.5`,
      "1e999999",
    ]) {
      expect(() => spectorJson(text), text).toThrow(SpectorEncodingError);
    }
  });
});

describe("Erlang, pinned by vectors made with Erlang/OTP 25 (test/fixtures/erlang-reference.escript)", () => {
  test("float_to_binary(F, [short]) for 3,056 floats: special values and random ones over the whole range", () => {
    const { floats } = fixture<{ floats: [string, string][] }>("erlang-floats.json");
    expect(floats.length).toBeGreaterThan(3000);
    const wrong = floats.filter(([bits, text]) => erlangShortFloat(Buffer.from(bits, "hex").readDoubleBE(0)) !== text);
    expect(wrong).toEqual([]);
    expect(() => erlangShortFloat(Infinity)).toThrow(RangeError);
  });

  test("phash2 of atoms, Latin-1 and other Unicode names included", () => {
    const { atoms } = fixture<{ atoms: [string, number][] }>("erlang-phash2.json");
    expect(atoms.map(([name]) => [name, phash2Atom(name)])).toEqual(atoms);
    expect(phash2Atom("archive")).toBe(9040037);
  });
});

describe("schemas and actions as Spector numbers them", () => {
  test("spectorSchemas numbers in list order, an index sets the counter, and an index below it is refused", () => {
    expect(spectorSchemas(["user", "post", ["comment", 10], "like"])).toEqual({
      user: 0,
      post: 1,
      comment: 10,
      like: 11,
    });
    expectThrows(() => spectorSchemas(["a", "b", ["c", 1]]), { option: "schemas[2][1]", mentions: ["from 2"] });
    expectThrows(() => spectorSchemas(["a", "a"]), { option: "schemas[1]" });
    expectThrows(() => spectorSchemas([""] as never), { option: "schemas[0]" });
    expectThrows(() => spectorSchemas("user" as never), { option: "schemas" });
  });

  test("spectorActions gives phash2 integers; an alias writes its target's integer, which reads back as the target", () => {
    const actions = spectorActions(["archive", "restore"], { soft_delete: "archive", create: "insert" });
    expect({ ...actions }).toMatchObject({ archive: 9040037, restore: 13285109, soft_delete: 9040037, create: 1 });
    const events = eventTable("events", { actions });
    expect(events.action.mapToDriverValue("soft_delete")).toBe(9040037);
    expect(events.action.mapFromDriverValue(9040037)).toBe("archive");
    expect(events.action.mapFromDriverValue(1)).toBe("insert");
    // spread into a larger map, the aliases are kept
    const more = eventTable("more", { actions: { ...actions, legacy: 77 } });
    expect(more.action.mapFromDriverValue(9040037)).toBe("archive");
    expectThrows(() => spectorActions(["insert"]), { option: "names[0]" });
    expectThrows(() => spectorActions(["a"], { b: "nope" }), { option: "aliases.b" });
    expectThrows(() => spectorActions(["a"], { a: "a" }), { option: "aliases.a" });
    // a duplicate integer that is no alias is still refused
    expectThrows(() => eventTable("dup", { actions: { a: 5, b: 5 } }), { option: "actions.b" });
  });

  test("Elixir module names: the Elixir. prefix is added once; anything else is refused", () => {
    expect(elixirModule("MyApp.User")).toBe("Elixir.MyApp.User");
    expect(elixirModule("Elixir.Shop.Order.Line")).toBe("Elixir.Shop.Order.Line");
    for (const bad of ["my_app.user", "MyApp.", "MyApp..User", "", "MyApp.user", "Elixir."])
      expect(elixirModule(bad), bad).toBeUndefined();
  });

  test("schemaModules is checked where the table is defined", () => {
    const schemas = { user: 0, post: 1 };
    const modules = { user: "MyApp.User", post: "MyApp.Post" };
    expect(() => eventTable("events", { hashed: true, schemas, schemaModules: modules })).not.toThrow();
    expectThrows(() => eventTable("events", { hashed: true, schemas, schemaModules: { user: "MyApp.User" } }), {
      option: "schemaModules.post",
      mentions: ["every schema"],
    });
    expectThrows(() => eventTable("events", { hashed: true, schemas, schemaModules: { ...modules, nope: "X" } }), {
      option: "schemaModules.nope",
      mentions: ['"user", "post"'],
    });
    expectThrows(() => eventTable("events", { hashed: true, schemas, schemaModules: { ...modules, user: "my_app" } }), {
      option: "schemaModules.user",
      mentions: ["Elixir module"],
    });
    expectThrows(() => eventTable("events", { schemas, schemaModules: modules }), {
      option: "schemaModules",
      mentions: ["hashed"],
    });
    expectThrows(() => eventTable("events", { hashed: true, schemaModules: { user: "MyApp.User" } }), {
      option: "schemaModules.user",
      mentions: ["integer"],
    });
    expect(() =>
      eventTable("events", { hashed: true, schemaModules: { 0: "MyApp.User", 7: "MyApp.Post" } }),
    ).not.toThrow();
  });

  test("BASE_ACTIONS has Spector 0.6's savepoint", async () => {
    const { BASE_ACTIONS } = await import("../src/index.js");
    expect(BASE_ACTIONS).toEqual({ insert: 1, update: 2, delete: 3, savepoint: 4 });
    expect(SpectorOptionError.prototype).toBeInstanceOf(TypeError);
  });
});
