/**
 * The example schema: what a user's `src/db/schema.ts` looks like. `drizzle.config.ts` points at this
 * file, `migrations/` is generated from it, and `npm run demo` runs on it.
 */
import { integer, pgTable, uuid } from "drizzle-orm/pg-core";
import { chainRedactionTable, consumerTable, payloadType, spectorRelations, spectorTables } from "../src/index.js";

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
// `positions: true`: every entry gets a position once committed, the order consumers follow
// (drizzle-kit creates `ledger_positions` from this export too).
export const { ledger, ledger_heads, ledger_positions } = spectorTables({
  table: "ledger",
  hashed: "record",
  positions: true,
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

// Where consumers of the ledger keep their checkpoints, and a table one of them (example/demo-consumer.ts)
// fills in the transaction that moves its checkpoint: one line per ledger entry, in the order they committed.
export const checkpoints = consumerTable("checkpoints");
export const statement_lines = pgTable("statement_lines", {
  id: uuid("id").primaryKey(), // the ledger entry's id
  account: uuid("account").notNull(),
  amount: integer("amount").notNull(), // signed: a withdrawal is negative
});

// Relations for `db.query` (drizzle-kit reads only the tables above).
export const { eventsRelations, event_ancestorsRelations, event_linksRelations } = spectorRelations({
  events,
  event_ancestors,
  event_links,
});
