-- drizzle-spector:create-positions public.ledger 145fd107d894bd
DO $spector$
BEGIN
  LOCK TABLE "public"."ledger" IN SHARE ROW EXCLUSIVE MODE;
  INSERT INTO "public"."ledger_positions" ("id")
  SELECT e."id" FROM "public"."ledger" AS e
   WHERE NOT EXISTS (SELECT FROM "public"."ledger_positions" AS p WHERE p."id" OPERATOR(pg_catalog.=) e."id")
   ORDER BY e."id";
END
$spector$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."queue_positions_ledger"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = 'pg_catalog', 'pg_temp'
  AS $spector$
BEGIN
  INSERT INTO "public"."ledger_positions" ("id")
  SELECT n."id" FROM "spector_new_events" AS n;
  RETURN NULL;
END
$spector$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION "public"."queue_positions_ledger"() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."position_events_ledger"(max integer) RETURNS "pg_catalog"."int8" LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = 'pg_catalog', 'pg_temp'
  SET enable_hashjoin = 'off'
  SET enable_mergejoin = 'off'
  AS $spector$
DECLARE
  last pg_catalog.int8;
  numbered pg_catalog.int8;
BEGIN
  IF pg_catalog.current_setting('transaction_isolation') OPERATOR(pg_catalog.<>) 'read committed' THEN
    RETURN -1;
  END IF;
  IF NOT pg_catalog.pg_try_advisory_xact_lock((1397769539::pg_catalog.int8 OPERATOR(pg_catalog.<<) 32) OPERATOR(pg_catalog.|) '"public"."ledger_positions"'::pg_catalog.regclass::pg_catalog.oid::pg_catalog.int8) THEN
    RETURN -1;
  END IF;
  -- a new snapshot for each statement from here: every position given before the lock is seen
  SELECT p."position" INTO last FROM "public"."ledger_positions" AS p
   WHERE p."position" IS NOT NULL ORDER BY p."position" DESC LIMIT 1;
  last := COALESCE(last, 0);
  -- each queued row by its ctid, in a nested loop (TID scans; the function's settings rule out hash
  -- and merge joins): a join on id read and hashed the whole table on every call
  UPDATE "public"."ledger_positions" AS p SET "position" = q.next
    FROM (SELECT w.ctid AS place, last OPERATOR(pg_catalog.+) pg_catalog.row_number() OVER (ORDER BY w."id") AS next
            FROM (SELECT u.ctid, u."id" FROM "public"."ledger_positions" AS u WHERE u."position" IS NULL
                   ORDER BY u."id" LIMIT GREATEST(max, 0)) AS w) AS q
   WHERE p.ctid OPERATOR(pg_catalog.=) q.place;
  GET DIAGNOSTICS numbered = ROW_COUNT;
  IF numbered OPERATOR(pg_catalog.>) 0 THEN
    PERFORM pg_catalog.pg_notify('spector_positions_ledger', '');
  END IF;
  RETURN last OPERATOR(pg_catalog.+) numbered;
END
$spector$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION "public"."position_events_ledger"(max integer) FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER "queue_positions_ledger" AFTER INSERT ON "public"."ledger"
  REFERENCING NEW TABLE AS "spector_new_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "public"."queue_positions_ledger"();
