/** Event ids: UUIDv7, strictly increasing within a process, whatever the clock does. */
import { expect, test, vi } from "vitest";
import { isUuid, newEventId } from "../src/index.js";

test("event ids keep increasing when the clock steps back", () => {
  const now = Date.now();
  const clock = vi.spyOn(Date, "now");
  try {
    const ids: string[] = [];
    for (const at of [now, now + 5, now - 60_000, now - 5.5 * 3600_000, now + 1]) {
      clock.mockReturnValue(at);
      ids.push(newEventId(), newEventId());
    }
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!, `id ${i}`).toBe(true);
  } finally {
    clock.mockRestore();
  }
});

test("event ids are UUIDv7 and strictly increasing, also within one millisecond", () => {
  const ids = Array.from({ length: 20_000 }, () => newEventId());
  expect(ids.every(isUuid)).toBe(true);
  expect(ids.every((id) => id[14] === "7")).toBe(true);
  for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  // 20k ids take a few milliseconds at most, so many share a timestamp (the first 12 hex digits)
  expect(new Set(ids.map((id) => id.slice(0, 13))).size).toBeLessThan(ids.length / 10);
});
