/**
 * The example schema: what a user's `src/db/schema.ts` looks like. `drizzle.config.ts` points at this
 * file, `migrations/` is generated from it, and `npm run demo` runs on it.
 */
import { spectorTables } from "../src/index.js";

export const { events, event_ancestors, event_links } = spectorTables({
  table: "events",
  hashed: true,
  links: [
    ["event_ancestors", "ancestor_id"],
    ["event_links", "linked_id", { typed: true }],
  ],
});
