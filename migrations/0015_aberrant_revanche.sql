CREATE TABLE "ledger_redactions" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"payload_digest" "bytea" NOT NULL,
	"redacted_at" timestamp DEFAULT (now() AT TIME ZONE 'utc'::text) NOT NULL,
	"reason" text NOT NULL
);
