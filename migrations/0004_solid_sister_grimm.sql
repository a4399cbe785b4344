CREATE TABLE "ledger" (
	"id" uuid PRIMARY KEY NOT NULL,
	"parent_id" uuid NOT NULL,
	"payload" jsonb,
	"schema" integer NOT NULL,
	"action" integer NOT NULL,
	"hash" "bytea",
	"inserted_at" timestamp DEFAULT (now() AT TIME ZONE 'utc'::text) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_heads" (
	"parent_id" uuid PRIMARY KEY NOT NULL,
	"last_id" uuid NOT NULL,
	"last_hash" "bytea" NOT NULL,
	"event_count" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ledger" ADD CONSTRAINT "ledger_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "public"."ledger"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ledger_schema_index" ON "ledger" USING btree ("schema");--> statement-breakpoint
CREATE INDEX "ledger_parent_id_index" ON "ledger" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "ledger_inserted_at_index" ON "ledger" USING btree ("inserted_at");