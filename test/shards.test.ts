/**
 * Shard routing: record ids carry their shard (the documented bit layout, read back by a second,
 * independent implementation), so appending shards moves no record; records started on a shard set
 * spread uniformly over it (a chi-square test). Ids not made here route by a hash (fixed vectors, and
 * a second implementation of the documented algorithm) over the first `foreignShards`, uniform over
 * fresh UUIDv7 ids where routing on the first bytes is not.
 */
import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import {
  SpectorOptionError,
  newEventId,
  newRecordId,
  recordIdShard,
  shardFor,
  shardHash,
  shardIndex,
  shardSet,
  spectorTables,
} from "../src/index.js";
import { resolveEvents } from "../src/queries/target.js";

/** The algorithm as the module documents it, written again with BigInt arithmetic from the text. */
function referenceHash(id: string): number {
  const bytes = Buffer.from(id.replaceAll("-", ""), "hex");
  const mask = (1n << 32n) - 1n;
  let h = 0x811c9dc5n;
  for (const byte of bytes) h = ((h ^ BigInt(byte)) * 0x01000193n) & mask;
  h ^= h >> 16n;
  h = (h * 0x85ebca6bn) & mask;
  h ^= h >> 13n;
  h = (h * 0xc2b2ae35n) & mask;
  h ^= h >> 16n;
  return Number(h);
}

/** The record id layout as the README documents it, read again from the bytes: `undefined` when foreign. */
function referenceShard(id: string): number | undefined {
  const bytes = Buffer.from(id.replaceAll("-", ""), "hex");
  const v7 = bytes[6]! >> 4 === 7 && bytes[8]! >> 6 === 0b10;
  const marked = bytes[12] === 0xd5 && bytes[13] === 0xec && bytes[14] === 0x70;
  return v7 && marked ? bytes[15] : undefined;
}

/** Pearson's chi-square statistic of shard counts against a uniform spread. */
function chiSquare(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
}

function countShards(ids: string[], shards: number, route: (id: string, n: number) => number): number[] {
  const counts = new Array<number>(shards).fill(0);
  for (const id of ids) counts[route(id, shards)]!++;
  return counts;
}

// The chi-square critical value for 15 degrees of freedom (16 shards) at p = 1e-6: a uniform router
// fails this test once in a million runs.
const CRITICAL_15_DOF_P_1E6 = 57.4;

describe("shardFor", () => {
  test("routes fixed vectors to the same shard in every version and process", () => {
    const vectors: [string, number][] = [
      ["00000000-0000-0000-0000-000000000000", 3252299835],
      ["ffffffff-ffff-ffff-ffff-ffffffffffff", 1155200646],
      ["0192f0c1-7b3e-7cc4-9a51-0e1f5c8a3d21", 1714329461],
      ["0192F0C1-7B3E-7CC4-9A51-0E1F5C8A3D21", 1714329461], // case does not matter
      ["019abcde-0000-7000-8000-000000000001", 2669156809],
      ["019abcde-0000-7000-8000-000000000002", 524378129],
    ];
    for (const [id, hash] of vectors) {
      expect(shardHash(id)).toBe(hash);
      expect(referenceHash(id)).toBe(hash);
    }
    const shards = ["events_0", "events_1", "events_2", "events_3"];
    expect(shardFor("0192f0c1-7b3e-7cc4-9a51-0e1f5c8a3d21", shards)).toBe("events_1");
    expect(shardFor("019abcde-0000-7000-8000-000000000002", shards)).toBe("events_1");
    expect(shardFor("00000000-0000-0000-0000-000000000000", shards)).toBe("events_3");
  });

  test("matches the documented algorithm on 10,000 random ids", () => {
    for (let i = 0; i < 10_000; i++) {
      const id = [8, 4, 4, 4, 12]
        .map((n) => createHash("sha256").update(`${i}:${n}`).digest("hex").slice(0, n))
        .join("-");
      expect(shardHash(id)).toBe(referenceHash(id));
    }
  });

  test("spreads 100,000 fresh UUIDv7 ids evenly over 16 shards (chi-square), where the first bytes do not", () => {
    const ids = Array.from({ length: 100_000 }, () => newEventId());
    const ours = countShards(ids, 16, (id, n) => shardHash(id) % n);
    const chi = chiSquare(ours);
    expect(chi).toBeLessThan(CRITICAL_15_DOF_P_1E6);
    expect(Math.min(...ours)).toBeGreaterThan(0);
    // routing on the leading bytes (the timestamp) puts ids made in the same milliseconds together
    const firstBytes = countShards(ids, 16, (id, n) => parseInt(id.slice(0, 8), 16) % n);
    expect(chiSquare(firstBytes)).toBeGreaterThan(100 * CRITICAL_15_DOF_P_1E6);
    // and every shard count of a list gets the same treatment: 3 shards, 7 shards
    for (const n of [3, 7]) expect(chiSquare(countShards(ids, n, (id) => shardHash(id) % n))).toBeLessThan(60);
  });

  test("routes an id not made here by its hash over the first `foreignShards`, whatever the list's length", () => {
    const names = Array.from({ length: 16 }, (_, i) => `events_${i}`);
    const foreign = Array.from({ length: 2000 }, (_, i) =>
      i % 2 ? newEventId() : "0c5e6a52-2f5d-4a7b-9c1d-" + i.toString(16).padStart(12, "0"),
    );
    for (const id of foreign) {
      expect(recordIdShard(id)).toBeUndefined();
      const home = shardHash(id) % 2;
      for (const n of [2, 3, 7, 16]) expect(shardFor(id, names.slice(0, n), { foreignShards: 2 })).toBe(names[home]);
    }
    // without `foreignShards`, the whole list: what `h mod n` did before ids carried their shard
    expect(shardFor(foreign[0]!, names.slice(0, 3))).toBe(names[shardHash(foreign[0]!) % 3]);
    expect(() => shardFor(foreign[0]!, names.slice(0, 3), { foreignShards: 4 })).toThrow(
      "expected `options.foreignShards` to be an integer from 1 to the number of shards (3), got `4` (number)",
    );
  });

  test("refuses an id that is not a UUID and an empty list", () => {
    expect(() => shardFor("42", ["a"])).toThrow(SpectorOptionError);
    expect(() => shardFor("42", ["a"])).toThrow("`parentId`");
    expect(() => shardFor(newEventId(), [])).toThrow("non-empty array");
  });
});

describe("record ids that carry their shard", () => {
  test("are UUIDv7 ending with the marker d5ec70 and the index byte, ordered as event ids", () => {
    const ids = Array.from({ length: 2000 }, (_, i) => newRecordId(i % 256));
    ids.forEach((id, i) => {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{4}d5ec70[0-9a-f]{2}$/);
      expect(id.slice(-2)).toBe((i % 256).toString(16).padStart(2, "0"));
      expect(recordIdShard(id)).toBe(i % 256);
      expect(referenceShard(id)).toBe(i % 256);
      if (i > 0) expect(id > ids[i - 1]!).toBe(true);
    });
    expect(recordIdShard(ids[7]!.toUpperCase())).toBe(7);
    expect(new Set(ids).size).toBe(ids.length);
    expect(() => newRecordId(256)).toThrow(
      "expected `shard` to be a shard index, an integer from 0 to 255, got `256` (number)",
    );
    expect(() => newRecordId(-1)).toThrow(SpectorOptionError);
  });

  test("tell ours from theirs by version, variant and marker", () => {
    const ours = newRecordId(1);
    expect(recordIdShard(ours)).toBe(1);
    // the same last 32 bits on a UUIDv4, or with another variant: foreign
    expect(recordIdShard(`${ours.slice(0, 14)}4${ours.slice(15)}`)).toBeUndefined();
    expect(recordIdShard(`${ours.slice(0, 19)}c${ours.slice(20)}`)).toBeUndefined();
    expect(recordIdShard(`${ours.slice(0, 28)}d5ec71${ours.slice(34)}`)).toBeUndefined();
    for (const id of [newEventId(), "0c5e6a52-2f5d-4a7b-9c1d-0e1f5c8a3d21", "42"]) {
      expect(recordIdShard(id)).toBeUndefined();
    }
    for (let i = 0; i < 10_000; i++) {
      const id = [8, 4, 4, 4, 12]
        .map((n) => createHash("sha256").update(`${i}:${n}`).digest("hex").slice(0, n))
        .join("-");
      const marked = `${id.slice(0, 14)}7${id.slice(15, 19)}${"89ab"[i % 4]}${id.slice(20, 28)}d5ec70${id.slice(34)}`;
      expect(recordIdShard(id)).toBe(referenceShard(id));
      expect(recordIdShard(marked)).toBe(referenceShard(marked));
      expect(recordIdShard(marked)).toBe(parseInt(id.slice(34), 16));
    }
  });

  test("stay in their shard when shards are appended to the list", () => {
    const names = Array.from({ length: 16 }, (_, i) => `events_${i}`);
    for (let shard = 0; shard < 4; shard++) {
      const id = newRecordId(shard);
      for (let n = shard + 1; n <= 16; n++) {
        expect(shardFor(id, names.slice(0, n))).toBe(names[shard]);
        expect(shardIndex(id, n, 1)).toBe(shard);
      }
    }
    // an index beyond the list: a process with a longer list started the record; refused, not guessed
    expect(() => shardFor(newRecordId(3), names.slice(0, 3))).toThrow(
      "it was started in shard 3 (by a process with a longer `shards` list?)",
    );
  });

  test("spread records started on a shard set evenly over 16 shards (chi-square), and on 3 and 7", () => {
    for (const n of [16, 3, 7]) {
      const tables = spectorTables({ shards: Array.from({ length: n }, (_, i) => `log_${i}`) });
      const set = shardSet(Object.values(tables));
      const target = resolveEvents("table", set);
      const counts = new Array<number>(n).fill(0);
      for (let i = 0; i < (n === 16 ? 100_000 : 30_000); i++) {
        const started = target.start();
        const index = started.events.meta.shard!.index;
        expect(recordIdShard(started.id)).toBe(index);
        counts[index]!++;
      }
      expect(Math.min(...counts)).toBeGreaterThan(0);
      expect(chiSquare(counts)).toBeLessThan(n === 16 ? CRITICAL_15_DOF_P_1E6 : 60);
    }
  });
});

test("`foreignShards` goes with `shards` only: a type error, and refused, with `table`", () => {
  // @ts-expect-error: foreignShards counts the shards of a `shards` list
  expect(() => spectorTables({ table: "t", foreignShards: 1 })).toThrow("left out when `table` is given");
  const grown = spectorTables({ shards: ["s_0", "s_1", "s_2"], foreignShards: 2 });
  expect(shardFor("0c5e6a52-2f5d-4a7b-9c1d-0e1f5c8a3d21", [grown.s_0, grown.s_1, grown.s_2])).toBe(
    [grown.s_0, grown.s_1][shardHash("0c5e6a52-2f5d-4a7b-9c1d-0e1f5c8a3d21") % 2],
  );
});
