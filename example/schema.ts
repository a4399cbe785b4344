/**
 * The example schema: what a user's `src/db/schema.ts` looks like. `drizzle.config.ts` points at this
 * file, `migrations/` is generated from it, and `npm run demo` runs on it.
 */
import { integer, pgTable, uuid } from "drizzle-orm/pg-core";
import { chainRedactionTable, payloadType, spectorRelations, spectorTables } from "../src/index.js";

/** The payload of each evented schema. */
export interface Payloads {
  user: { name: string };
  post: { title: string; rev?: number };
}

export const { events, event_ancestors, event_links } = spectorTables({
  table: "events",
  hashed: true, // Spector's hash chain: appendEvent fills it, verifyChain checks it
  schemas: { user: 0, post: 1 },
  schemaModules: { user: "MyApp.User", post: "MyApp.Post" }, // the Elixir modules Spector's hash names
  actions: { archive: 10 },
  payloads: payloadType<Payloads>(),
  links: [
    ["event_ancestors", "ancestor_id"],
    ["event_links", "linked_id", { typed: true }],
  ],
});

// A log of our own: a hash chain per record, kept by the database for every writer, and no UPDATE,
// DELETE or TRUNCATE. drizzle-kit creates `ledger_heads` (one row per record) from this export too.
export const { ledger, ledger_heads } = spectorTables({
  table: "ledger",
  hashed: "record",
  appendOnly: true,
  updatedAt: false,
  schemas: { account: 0 },
  actions: { deposit: 10, withdraw: 11 },
  payload: payloadType<{ amount: number }>(),
});
// Where `redact` keeps the digest of an erased entry's payload (which the chain covers), when and why.
export const ledger_redactions = chainRedactionTable(ledger);

// A table of our own, one row per account, kept in step with the ledger (example/demo.ts makes it a
// materialized table: Spector's record tables).
export const account_balances = pgTable("account_balances", {
  id: uuid("id").primaryKey(), // the account's record id
  balance: integer("balance").notNull(),
  entries: integer("entries").notNull(),
});

// Relations for `db.query` (drizzle-kit reads only the tables above).
export const { eventsRelations, event_ancestorsRelations, event_linksRelations } = spectorRelations({
  events,
  event_ancestors,
  event_links,
});
