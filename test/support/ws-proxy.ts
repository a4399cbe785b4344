/**
 * A local WebSocket-to-TCP proxy, as Neon runs one in front of PostgreSQL for `@neondatabase/serverless`
 * (its `Pool` and `Client`): each WebSocket connection `/v1?address=host:port` is piped to a TCP
 * connection to that address, bytes as they come. Listens on 127.0.0.1 only.
 */
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type RawData } from "ws";

/** A running proxy: its port, and how to stop it. */
export interface WsProxy {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the proxy on a free port of 127.0.0.1. */
export async function startWsProxy(): Promise<WsProxy> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  server.on("connection", (ws, request) => {
    const address = new URL(request.url ?? "/", "http://localhost").searchParams.get("address") ?? "";
    const [host, port] = address.split(":");
    const tcp = connect(Number(port), host === "localhost" ? "127.0.0.1" : host!);
    const pending: Buffer[] = [];
    let open = false;
    tcp.on("connect", () => {
      open = true;
      for (const chunk of pending.splice(0)) tcp.write(chunk);
    });
    ws.on("message", (data: RawData) => {
      const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (open) tcp.write(chunk);
      else pending.push(chunk);
    });
    tcp.on("data", (chunk) => ws.send(chunk));
    tcp.on("close", () => ws.close());
    tcp.on("error", () => ws.close());
    ws.on("close", () => tcp.destroy());
    ws.on("error", () => tcp.destroy());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    async close() {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
