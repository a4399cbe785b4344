/**
 * The account of the `decide` suites: a versioned events table, a balance folded from deposits and
 * withdrawals, and the balance rule (withdraw only what the balance allows).
 */
import { appendEvent, payloadType, spectorTables, type ByAction, type EventRow } from "../../src/index.js";
import type { TestDatabase } from "./backends.js";

export const bank = spectorTables({
  table: "bank",
  versioned: true,
  schemas: { account: 0 },
  actions: { deposit: 10, withdraw: 11 },
  payloads: payloadType<{
    account: ByAction<{ insert: { owner: string }; deposit: { amount: number }; withdraw: { amount: number } }>;
  }>(),
});
export type Bank = typeof bank.bank;

export interface Account {
  readonly balance: number;
}
export const initial: Account = { balance: 0 };
export function evolve(state: Account, event: EventRow<Bank>): Account {
  if (event.action === "deposit") return { balance: state.balance + event.payload!.amount };
  if (event.action === "withdraw") return { balance: state.balance - event.payload!.amount };
  return state;
}
/** The balance rule: withdraw `amount` only when the balance allows it. */
export const withdrawal = (amount: number) => (account: Account) =>
  account.balance >= amount ? [{ schema: "account" as const, action: "withdraw" as const, payload: { amount } }] : [];

/** Opens an account with `balance`. */
export async function openAccount(db: TestDatabase["db"], table: Bank, balance: number): Promise<string> {
  const first = await appendEvent(db, table, { schema: "account", action: "insert", payload: { owner: "o" } });
  await appendEvent(db, table, {
    schema: "account",
    action: "deposit",
    payload: { amount: balance },
    parentId: first.id,
  });
  return first.id;
}
