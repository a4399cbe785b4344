/**
 * A local HTTP endpoint for Drizzle's `pg-proxy` driver, as an app would run one: each request is one
 * statement, run on any connection of a node-postgres pool (no session, no transaction between
 * requests), its values as PostgreSQL's text (what a JSON proxy can carry: a `bytea` is `"\x..."`).
 * Listens on 127.0.0.1 only.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { drizzle } from "drizzle-orm/pg-proxy";
import pg from "pg";

/** A running endpoint: its URL, and how to stop it (and its pool). */
export interface HttpEndpoint {
  readonly url: string;
  close(): Promise<void>;
}

/** Every value as PostgreSQL's text, as it would cross a JSON proxy. */
const TEXT_TYPES = { getTypeParser: () => (value: string) => value };

/** Starts an endpoint on a free port of 127.0.0.1 that runs each posted statement on a pool of `databaseUrl`. */
export async function startPgProxyEndpoint(databaseUrl: string, max = 10): Promise<HttpEndpoint> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max });
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      const { sql, params, method } = JSON.parse(body) as { sql: string; params: unknown[]; method: string };
      const config = { text: sql, values: params, types: TEXT_TYPES };
      (method === "all" ? pool.query({ ...config, rowMode: "array" as const }) : pool.query(config)).then(
        (result) => {
          response.writeHead(200, { "content-type": "application/json" });
          response.end(JSON.stringify({ rows: result.rows }));
        },
        (error: Error & Record<string, unknown>) => {
          response.writeHead(500, { "content-type": "application/json" });
          response.end(JSON.stringify({ message: error.message, code: error.code }));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/query`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

/** An error the endpoint answered with: PostgreSQL's message and SQLSTATE (`code`). */
export class ProxyError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** A Drizzle `pg-proxy` database that posts each statement to `endpoint`. */
export function pgProxyDatabase(endpoint: HttpEndpoint) {
  return drizzle(async (sql, params, method) => {
    const response = await fetch(endpoint.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sql, params, method }),
    });
    const answer = (await response.json()) as { rows?: unknown[]; message?: string; code?: string };
    if (!response.ok) throw new ProxyError(answer.message ?? "pg-proxy endpoint failed", answer.code);
    return { rows: answer.rows as never[] };
  });
}

/**
 * A local emulation of Neon's HTTP SQL endpoint (`POST /sql`, as `neon()` of `@neondatabase/serverless`
 * calls it): one statement per request (or a `queries` batch, in one transaction), rows as arrays of
 * PostgreSQL's text with the fields' type ids, errors as status 400 with PostgreSQL's fields. Point
 * `neonConfig.fetchEndpoint` at its `url`. Listens on 127.0.0.1 only.
 */
export async function startNeonHttpEndpoint(databaseUrl: string, max = 10): Promise<HttpEndpoint> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max });
  type Query = { query: string; params?: unknown[] };
  const run = async (client: pg.Pool | pg.PoolClient, { query, params }: Query) => {
    const result = await client.query({ text: query, values: params ?? [], rowMode: "array", types: TEXT_TYPES });
    return {
      fields: result.fields.map((field) => ({ name: field.name, dataTypeID: field.dataTypeID })),
      rows: result.rows,
      command: result.command,
      rowCount: result.rowCount,
    };
  };
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      const posted = JSON.parse(body) as Query | { queries: Query[] };
      const answer = async () => {
        if (!("queries" in posted)) return run(pool, posted);
        const client = await pool.connect();
        try {
          await client.query("BEGIN");
          const results = [];
          for (const query of posted.queries) results.push(await run(client, query));
          await client.query("COMMIT");
          return { results };
        } catch (error) {
          await client.query("ROLLBACK");
          throw error;
        } finally {
          client.release();
        }
      };
      answer().then(
        (result) => {
          response.writeHead(200, { "content-type": "application/json" });
          response.end(JSON.stringify(result));
        },
        (error: Error & Record<string, unknown>) => {
          const { code, detail, hint, table, schema, column, constraint, severity } = error;
          response.writeHead(400, { "content-type": "application/json" });
          response.end(
            JSON.stringify({ message: error.message, code, detail, hint, table, schema, column, constraint, severity }),
          );
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sql`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}
