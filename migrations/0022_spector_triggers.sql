-- drizzle-spector:create-positions public.ledger 044bd09dcd5945
DO $spector$
BEGIN
  LOCK TABLE "public"."ledger" IN SHARE ROW EXCLUSIVE MODE;
  INSERT INTO "public"."ledger_positions" ("id", "ids")
  SELECT c.ids[1], CASE WHEN pg_catalog.cardinality(c.ids) OPERATOR(pg_catalog.>) 1 THEN c.ids END
    FROM (SELECT pg_catalog.array_agg(n.id ORDER BY n.id) AS ids, n.chunk
            FROM (SELECT s."id" AS id,
                         (pg_catalog.row_number() OVER (ORDER BY s."id") OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1000 AS chunk
                    FROM (SELECT e."id" FROM "public"."ledger" AS e
                  LEFT JOIN (SELECT pg_catalog.unnest(COALESCE(p."ids", ARRAY[p."id"])) AS id
                               FROM "public"."ledger_positions" AS p) AS q
                    ON q.id OPERATOR(pg_catalog.=) e."id"
                 WHERE q.id IS NULL) AS s) AS n
           GROUP BY n.chunk) AS c
   ORDER BY c.chunk;
END
$spector$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."queue_positions_ledger"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = 'pg_catalog', 'pg_temp'
  AS $spector$
DECLARE
  n pg_catalog.int8;
BEGIN
  SELECT pg_catalog.count(*) INTO n FROM "spector_new_events";
  IF n OPERATOR(pg_catalog.=) 1 THEN
    INSERT INTO "public"."ledger_positions" ("id") SELECT s."id" FROM "spector_new_events" AS s;
  ELSIF n OPERATOR(pg_catalog.>) 1 THEN
    INSERT INTO "public"."ledger_positions" ("id", "ids")
  SELECT c.ids[1], CASE WHEN pg_catalog.cardinality(c.ids) OPERATOR(pg_catalog.>) 1 THEN c.ids END
    FROM (SELECT pg_catalog.array_agg(n.id ORDER BY n.id) AS ids, n.chunk
            FROM (SELECT s."id" AS id,
                         (pg_catalog.row_number() OVER (ORDER BY s."id") OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1000 AS chunk
                    FROM "spector_new_events" AS s) AS n
           GROUP BY n.chunk) AS c
   ORDER BY c.chunk;
  END IF;
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
  upto pg_catalog.int8 := 0;
  places pg_catalog.tid[] := '{}';
  ends pg_catalog.int8[] := '{}';
  q record;
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
  -- the queue in order, read only as far as it is numbered (a row holds 1 to 1000 events,
  -- so `max` rows are enough: the limit also keeps the plan on the queue index whatever the statistics)
  FOR q IN SELECT u.ctid AS place, COALESCE(pg_catalog.cardinality(u."ids"), 1) AS n FROM "public"."ledger_positions" AS u
            WHERE u."position" IS NULL ORDER BY u."queued" LIMIT GREATEST(max, 0) LOOP
    EXIT WHEN upto OPERATOR(pg_catalog.>=) max;
    upto := upto OPERATOR(pg_catalog.+) q.n;
    places := places OPERATOR(pg_catalog.||) q.place;
    ends := ends OPERATOR(pg_catalog.||) (last OPERATOR(pg_catalog.+) upto);
  END LOOP;
  IF upto OPERATOR(pg_catalog.>) 0 THEN
    -- each row by its ctid, in a nested loop (TID scans; the function's settings rule out hash and
    -- merge joins)
    UPDATE "public"."ledger_positions" AS p SET "position" = t.ending
      FROM ROWS FROM (pg_catalog.unnest(places), pg_catalog.unnest(ends)) AS t(place, ending)
     WHERE p.ctid OPERATOR(pg_catalog.=) t.place;
    PERFORM pg_catalog.pg_notify('spector_positions_ledger', '');
  END IF;
  RETURN last OPERATOR(pg_catalog.+) upto;
END
$spector$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION "public"."position_events_ledger"(max integer) FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER "queue_positions_ledger" AFTER INSERT ON "public"."ledger"
  REFERENCING NEW TABLE AS "spector_new_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "public"."queue_positions_ledger"();
