import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./example/schema.ts",
  out: "./migrations",
});
