/**
 * `rowPositions`: a read's rows numbered from its position column (a row read by range carries minus
 * the first position of its part, the rest of the part following in `id` order), and rows in an order
 * the read does not expect refused rather than numbered wrong.
 */
import { describe, expect, it } from "vitest";
import { rowPositions } from "../src/consumers/row-positions.js";
import { names } from "../src/naming/index.js";

const row = (position: number) => ({ [names.alias.position]: String(position) });
const positions = (values: number[], ids: (string | null)[]) => rowPositions(values.map(row), (i) => ids[i]);

describe("rowPositions", () => {
  it("numbers a part read by range from its first position on, and keeps a looked-up row's own", () => {
    expect(positions([-11, -11, -11, -14, -14, 5, 9], ["a", "b", "c", "d", "e", "x", "y"])).toEqual([
      11, 12, 13, 14, 15, 5, 9,
    ]);
    // parts need not touch: a row looked up in between, or a gap
    expect(positions([-3, -3, -20, 7], ["a", "b", "a", "z"])).toEqual([3, 4, 20, 7]);
  });

  it("numbers rows whose events are left out (no id) in their place", () => {
    expect(positions([-40, -40, -40, -40], ["a", null, null, "d"])).toEqual([40, 41, 42, 43]);
  });

  it("refuses a part whose rows come apart, or overlap the part before", () => {
    expect(() => positions([-11, -11, -20, -11], ["a", "b", "c", "d"])).toThrow(/position 11 came apart/);
    expect(() => positions([-11, -11, -12], ["a", "b", "c"])).toThrow(/position 12 came apart/);
  });

  it("refuses a part whose rows are out of id order", () => {
    expect(() => positions([-11, -11, -11], ["a", "c", "b"])).toThrow(/position 11 came apart or out of id order/);
    expect(() => positions([-11, -11], ["a", "a"])).toThrow(/out of id order/);
  });
});
