/**
 * Shard routing: stable (fixed vectors, and a second, independent implementation of the documented
 * algorithm), and uniform over fresh UUIDv7 ids (a chi-square test), where routing on the first bytes
 * is not.
 */
import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { SpectorOptionError, newEventId, shardFor, shardHash } from "../src/index.js";

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

  test("refuses an id that is not a UUID and an empty list", () => {
    expect(() => shardFor("42", ["a"])).toThrow(SpectorOptionError);
    expect(() => shardFor("42", ["a"])).toThrow("`parentId`");
    expect(() => shardFor(newEventId(), [])).toThrow("non-empty array");
  });
});
