/**
 * A consumer of the stress test in a process of its own, for the test to kill (`SIGKILL`) while it
 * runs: `tsx stress-consumer-process.ts <url> <log> <name> <label>` runs consumer `name` of `log` until
 * killed, its handler writing to `received` (test/support/stress-consumers.ts), and prints `running`
 * once it has started.
 */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { stressConsumer } from "./stress-consumers.js";
import type { LogName } from "./stress-schema.js";

const [url, log, name, label] = process.argv.slice(2) as [string, LogName, string, string];
const client = postgres(url, { max: 2, onnotice: () => undefined, connection: { application_name: label } });
const c = stressConsumer(drizzle(client) as never, log, name, { batches: 0, flakes: 0 });
await c.runOnce();
process.stdout.write("running\n");
await c.run();
