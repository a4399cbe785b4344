CREATE TABLE "checkpoints" (
	"name" text PRIMARY KEY NOT NULL,
	"log" text NOT NULL,
	"cursor" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_positions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"position" bigint
);
--> statement-breakpoint
CREATE TABLE "statement_lines" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account" uuid NOT NULL,
	"amount" integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_positions_key" ON "ledger_positions" USING btree ("position");--> statement-breakpoint
CREATE INDEX "ledger_positions_queue" ON "ledger_positions" USING btree ("id") WHERE "ledger_positions"."position" IS NULL;