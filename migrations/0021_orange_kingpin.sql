DROP INDEX "ledger_positions_queue";--> statement-breakpoint
ALTER TABLE "ledger_positions" ADD COLUMN "ids" uuid[];--> statement-breakpoint
ALTER TABLE "ledger_positions" ADD COLUMN "queued" bigint NOT NULL GENERATED ALWAYS AS IDENTITY (sequence name "ledger_positions_queued_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1);--> statement-breakpoint
CREATE INDEX "ledger_positions_queue" ON "ledger_positions" USING btree ("queued") WHERE "ledger_positions"."position" IS NULL;