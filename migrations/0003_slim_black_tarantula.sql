-- drizzle-spector: events_pkey stays as it is (drizzle-kit moved it from the table to the column of its snapshot; the database key is the same)
ALTER TABLE "events" ALTER COLUMN "inserted_at" SET DEFAULT (now() AT TIME ZONE 'utc'::text);
--> statement-breakpoint
ALTER TABLE "events" ALTER COLUMN "updated_at" SET DEFAULT (now() AT TIME ZONE 'utc'::text);
