CREATE TABLE "event_ancestors" (
	"event_id" uuid NOT NULL,
	"ancestor_id" uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "event_links" (
	"event_id" uuid NOT NULL,
	"linked_id" uuid NOT NULL,
	"type" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" uuid NOT NULL,
	"parent_id" uuid NOT NULL,
	"payload" jsonb,
	"schema" integer NOT NULL,
	"action" integer NOT NULL,
	"hash" "bytea",
	"inserted_at" timestamp DEFAULT (now() AT TIME ZONE 'utc') NOT NULL,
	"updated_at" timestamp DEFAULT (now() AT TIME ZONE 'utc') NOT NULL,
	CONSTRAINT "events_pkey" PRIMARY KEY("id")
);
--> statement-breakpoint
ALTER TABLE "event_ancestors" ADD CONSTRAINT "event_ancestors_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_ancestors" ADD CONSTRAINT "event_ancestors_ancestor_id_fkey" FOREIGN KEY ("ancestor_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_links" ADD CONSTRAINT "event_links_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_links" ADD CONSTRAINT "event_links_linked_id_fkey" FOREIGN KEY ("linked_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "public"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "event_ancestors_event_id_index" ON "event_ancestors" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "event_ancestors_ancestor_id_index" ON "event_ancestors" USING btree ("ancestor_id");--> statement-breakpoint
CREATE UNIQUE INDEX "event_ancestors_event_id_ancestor_id_index" ON "event_ancestors" USING btree ("event_id","ancestor_id");--> statement-breakpoint
CREATE INDEX "event_links_event_id_index" ON "event_links" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "event_links_linked_id_index" ON "event_links" USING btree ("linked_id");--> statement-breakpoint
CREATE UNIQUE INDEX "event_links_event_id_linked_id_type_index" ON "event_links" USING btree ("event_id","linked_id","type");--> statement-breakpoint
CREATE INDEX "events_schema_index" ON "events" USING btree ("schema");--> statement-breakpoint
CREATE INDEX "events_parent_id_index" ON "events" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "events_inserted_at_index" ON "events" USING btree ("inserted_at");