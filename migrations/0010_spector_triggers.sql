-- drizzle-spector:create-same-parent public.event_ancestors 0a1c491cb67c1e
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_ancestors"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  AS $spector$
DECLARE
  v_event_id pg_catalog.uuid;
  v_other_id pg_catalog.uuid;
  v_denied pg_catalog.text;
  v_message pg_catalog.text;
BEGIN
  PERFORM FROM "spector_new_links" OFFSET 63 LIMIT 1;
  IF NOT FOUND THEN
    SELECT l."event_id", l."ancestor_id" INTO v_event_id, v_other_id
      FROM "spector_new_links" AS l
     WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."ancestor_id"), false)
     LIMIT 1;
  ELSE
    DECLARE
      v_rows pg_catalog.int8;
      v_small pg_catalog.bool;
      v_merge pg_catalog.bool := false;
      v_min_id pg_catalog.uuid;
      v_plan pg_catalog.json;
      v_saved pg_catalog.text[];
      v_path pg_catalog.text := 'primary-key lookups';
    BEGIN
    SELECT pg_catalog.count(*), ((pg_catalog.pg_relation_size('"public"."events"') OPERATOR(pg_catalog./) pg_catalog.current_setting('block_size')::pg_catalog.int8) OPERATOR(pg_catalog.*) 16) OPERATOR(pg_catalog.<=) pg_catalog.count(*) FROM "spector_new_links" INTO v_rows, v_small;
    IF v_small THEN
      SELECT coalesce((SELECT s.correlation FROM pg_catalog.pg_stats AS s
   WHERE s.schemaname OPERATOR(pg_catalog.=) 'public' AND s.tablename OPERATOR(pg_catalog.=) 'events' AND s.attname OPERATOR(pg_catalog.=) 'id'), 0) OPERATOR(pg_catalog.>=) 0.9::pg_catalog.float4 INTO v_merge;
    END IF;
    IF NOT v_small OR v_merge THEN
      SELECT coalesce((SELECT least(l."event_id", l."ancestor_id") FROM "spector_new_links" AS l
   WHERE l."event_id" OPERATOR(pg_catalog.<) f.id OR l."ancestor_id" OPERATOR(pg_catalog.<) f.id ORDER BY 1 LIMIT 1), f.id)
  FROM (SELECT least(l."event_id", l."ancestor_id") AS id FROM (SELECT * FROM "spector_new_links" LIMIT 64) AS l ORDER BY 1 LIMIT 1) AS f INTO v_min_id;
      EXECUTE 'EXPLAIN (FORMAT JSON) SELECT FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) $1' INTO v_plan USING v_min_id;
      v_merge := (v_plan OPERATOR(pg_catalog.->) 0 OPERATOR(pg_catalog.->) 'Plan' OPERATOR(pg_catalog.->>) 'Plan Rows')::pg_catalog.float8 OPERATOR(pg_catalog.<=) (v_rows OPERATOR(pg_catalog.*) 8);
    END IF;
    IF v_merge THEN
      v_saved := ARRAY[pg_catalog.current_setting('enable_nestloop'), pg_catalog.current_setting('enable_hashjoin'), pg_catalog.current_setting('enable_seqscan'), pg_catalog.current_setting('enable_bitmapscan'), pg_catalog.current_setting('work_mem')];
      PERFORM pg_catalog.set_config('enable_nestloop', 'off', true), pg_catalog.set_config('enable_hashjoin', 'off', true), pg_catalog.set_config('enable_seqscan', 'off', true), pg_catalog.set_config('enable_bitmapscan', 'off', true), pg_catalog.set_config('work_mem', CASE WHEN pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem')) OPERATOR(pg_catalog.<) pg_catalog.pg_size_bytes('64MB') THEN '64MB' ELSE pg_catalog.current_setting('work_mem') END, true);
      EXECUTE 'SELECT l."event_id", l."ancestor_id"
      FROM "spector_new_links" AS l
      LEFT JOIN (SELECT "id", "parent_id" FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) $1 ORDER BY "id" LIMIT $2) AS e ON e."id" OPERATOR(pg_catalog.=) l."event_id"
      LEFT JOIN (SELECT "id", "parent_id" FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) $1 ORDER BY "id" LIMIT $2) AS o ON o."id" OPERATOR(pg_catalog.=) l."ancestor_id"
     WHERE NOT coalesce(e."parent_id" OPERATOR(pg_catalog.=) o."parent_id", false)
     LIMIT 1' INTO v_event_id, v_other_id USING v_min_id, v_rows OPERATOR(pg_catalog.*) 8;
      PERFORM pg_catalog.set_config('enable_nestloop', v_saved[1], true), pg_catalog.set_config('enable_hashjoin', v_saved[2], true), pg_catalog.set_config('enable_seqscan', v_saved[3], true), pg_catalog.set_config('enable_bitmapscan', v_saved[4], true), pg_catalog.set_config('work_mem', v_saved[5], true);
      v_path := 'merge joins';
      IF v_event_id IS NOT NULL THEN
        v_path := 'merge joins, then primary-key lookups';
        SELECT l."event_id", l."ancestor_id" INTO v_event_id, v_other_id
          FROM "spector_new_links" AS l
         WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."ancestor_id"), false)
         LIMIT 1;
      END IF;
    ELSIF v_small THEN
      v_saved := ARRAY[pg_catalog.current_setting('enable_nestloop'), pg_catalog.current_setting('enable_mergejoin'), pg_catalog.current_setting('work_mem')];
      PERFORM pg_catalog.set_config('enable_nestloop', 'off', true), pg_catalog.set_config('enable_mergejoin', 'off', true), pg_catalog.set_config('work_mem', CASE WHEN pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem')) OPERATOR(pg_catalog.<) pg_catalog.pg_size_bytes('64MB') THEN '64MB' ELSE pg_catalog.current_setting('work_mem') END, true);
      EXECUTE 'SELECT l."event_id", l."ancestor_id"
      FROM "spector_new_links" AS l
      LEFT JOIN "public"."events" AS e ON e."id" OPERATOR(pg_catalog.=) l."event_id"
      LEFT JOIN "public"."events" AS o ON o."id" OPERATOR(pg_catalog.=) l."ancestor_id"
     WHERE NOT coalesce(e."parent_id" OPERATOR(pg_catalog.=) o."parent_id", false)
     LIMIT 1' INTO v_event_id, v_other_id;
      PERFORM pg_catalog.set_config('enable_nestloop', v_saved[1], true), pg_catalog.set_config('enable_mergejoin', v_saved[2], true), pg_catalog.set_config('work_mem', v_saved[3], true);
      v_path := 'hash joins';
    ELSE
      SELECT l."event_id", l."ancestor_id" INTO v_event_id, v_other_id
        FROM "spector_new_links" AS l
       WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."ancestor_id"), false)
       LIMIT 1;
    END IF;
    RAISE DEBUG 'drizzle-spector: % checks % links with %', TG_TABLE_NAME, v_rows, v_path;
    END;
  END IF;
  IF v_event_id IS NOT NULL THEN
    EXECUTE 'SELECT CASE WHEN pg_catalog.row_security_active(''"public"."events"'') THEN pg_catalog.format(''drizzle-spector cannot check link table %s: row-level security applies to %s, the owner of its same-parent rule, on "public"."events" (FORCE ROW LEVEL SECURITY), so the rule cannot see every event'', ''event_ancestors'', current_user) END,
       pg_catalog.format(''Link events must have the same parent_id: %s != %s (link table %s: event_id %s, %s %s)'', coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) $1)::pg_catalog.text, ''none (no such event)''), coalesce((SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) $2)::pg_catalog.text, ''none (no such event)''), ''event_ancestors'', $1, ''ancestor_id'', $2)' INTO v_denied, v_message USING v_event_id, v_other_id;
    IF v_denied IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = v_denied,
        HINT = 'Let the owner of the rule''s functions bypass row-level security (ALTER ROLE ... BYPASSRLS), or do not force it on the events table.';
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = v_message,
      SCHEMA = 'public', TABLE = 'event_ancestors';
  END IF;
  RETURN NULL;
END
$spector$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION "public"."check_link_same_parent_event_ancestors"() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_ancestors_update"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  AS $spector$
DECLARE
  v_event_id pg_catalog.uuid;
  v_other_id pg_catalog.uuid;
  v_denied pg_catalog.text;
  v_message pg_catalog.text;
BEGIN
  PERFORM FROM "spector_new_links" OFFSET 63 LIMIT 1;
  IF NOT FOUND THEN
    SELECT l."event_id", l."ancestor_id" INTO v_event_id, v_other_id
      FROM "spector_new_links" AS l
     WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."ancestor_id"), false)
     LIMIT 1;
  ELSE
    DECLARE
      v_rows pg_catalog.int8;
      v_small pg_catalog.bool;
      v_merge pg_catalog.bool := false;
      v_min_id pg_catalog.uuid;
      v_plan pg_catalog.json;
      v_saved pg_catalog.text[];
      v_path pg_catalog.text := 'primary-key lookups';
    BEGIN
    SELECT pg_catalog.count(*), ((pg_catalog.pg_relation_size('"public"."events"') OPERATOR(pg_catalog./) pg_catalog.current_setting('block_size')::pg_catalog.int8) OPERATOR(pg_catalog.*) 16) OPERATOR(pg_catalog.<=) pg_catalog.count(*) FROM "spector_new_links" INTO v_rows, v_small;
    IF v_small THEN
      SELECT coalesce((SELECT s.correlation FROM pg_catalog.pg_stats AS s
   WHERE s.schemaname OPERATOR(pg_catalog.=) 'public' AND s.tablename OPERATOR(pg_catalog.=) 'events' AND s.attname OPERATOR(pg_catalog.=) 'id'), 0) OPERATOR(pg_catalog.>=) 0.9::pg_catalog.float4 INTO v_merge;
    END IF;
    IF NOT v_small OR v_merge THEN
      SELECT coalesce((SELECT least(l."event_id", l."ancestor_id") FROM "spector_new_links" AS l
   WHERE l."event_id" OPERATOR(pg_catalog.<) f.id OR l."ancestor_id" OPERATOR(pg_catalog.<) f.id ORDER BY 1 LIMIT 1), f.id)
  FROM (SELECT least(l."event_id", l."ancestor_id") AS id FROM (SELECT * FROM "spector_new_links" LIMIT 64) AS l ORDER BY 1 LIMIT 1) AS f INTO v_min_id;
      EXECUTE 'EXPLAIN (FORMAT JSON) SELECT FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) $1' INTO v_plan USING v_min_id;
      v_merge := (v_plan OPERATOR(pg_catalog.->) 0 OPERATOR(pg_catalog.->) 'Plan' OPERATOR(pg_catalog.->>) 'Plan Rows')::pg_catalog.float8 OPERATOR(pg_catalog.<=) (v_rows OPERATOR(pg_catalog.*) 8);
    END IF;
    IF v_merge THEN
      v_saved := ARRAY[pg_catalog.current_setting('enable_nestloop'), pg_catalog.current_setting('enable_hashjoin'), pg_catalog.current_setting('enable_seqscan'), pg_catalog.current_setting('enable_bitmapscan'), pg_catalog.current_setting('work_mem')];
      PERFORM pg_catalog.set_config('enable_nestloop', 'off', true), pg_catalog.set_config('enable_hashjoin', 'off', true), pg_catalog.set_config('enable_seqscan', 'off', true), pg_catalog.set_config('enable_bitmapscan', 'off', true), pg_catalog.set_config('work_mem', CASE WHEN pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem')) OPERATOR(pg_catalog.<) pg_catalog.pg_size_bytes('64MB') THEN '64MB' ELSE pg_catalog.current_setting('work_mem') END, true);
      EXECUTE 'SELECT l."event_id", l."ancestor_id"
      FROM "spector_new_links" AS l
      LEFT JOIN (SELECT "id", "parent_id" FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) $1 ORDER BY "id" LIMIT $2) AS e ON e."id" OPERATOR(pg_catalog.=) l."event_id"
      LEFT JOIN (SELECT "id", "parent_id" FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) $1 ORDER BY "id" LIMIT $2) AS o ON o."id" OPERATOR(pg_catalog.=) l."ancestor_id"
     WHERE NOT coalesce(e."parent_id" OPERATOR(pg_catalog.=) o."parent_id", false)
     LIMIT 1' INTO v_event_id, v_other_id USING v_min_id, v_rows OPERATOR(pg_catalog.*) 8;
      PERFORM pg_catalog.set_config('enable_nestloop', v_saved[1], true), pg_catalog.set_config('enable_hashjoin', v_saved[2], true), pg_catalog.set_config('enable_seqscan', v_saved[3], true), pg_catalog.set_config('enable_bitmapscan', v_saved[4], true), pg_catalog.set_config('work_mem', v_saved[5], true);
      v_path := 'merge joins';
      IF v_event_id IS NOT NULL THEN
        v_path := 'merge joins, then primary-key lookups';
        SELECT l."event_id", l."ancestor_id" INTO v_event_id, v_other_id
          FROM "spector_new_links" AS l
         WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."ancestor_id"), false)
         LIMIT 1;
      END IF;
    ELSIF v_small THEN
      v_saved := ARRAY[pg_catalog.current_setting('enable_nestloop'), pg_catalog.current_setting('enable_mergejoin'), pg_catalog.current_setting('work_mem')];
      PERFORM pg_catalog.set_config('enable_nestloop', 'off', true), pg_catalog.set_config('enable_mergejoin', 'off', true), pg_catalog.set_config('work_mem', CASE WHEN pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem')) OPERATOR(pg_catalog.<) pg_catalog.pg_size_bytes('64MB') THEN '64MB' ELSE pg_catalog.current_setting('work_mem') END, true);
      EXECUTE 'SELECT l."event_id", l."ancestor_id"
      FROM "spector_new_links" AS l
      LEFT JOIN "public"."events" AS e ON e."id" OPERATOR(pg_catalog.=) l."event_id"
      LEFT JOIN "public"."events" AS o ON o."id" OPERATOR(pg_catalog.=) l."ancestor_id"
     WHERE NOT coalesce(e."parent_id" OPERATOR(pg_catalog.=) o."parent_id", false)
     LIMIT 1' INTO v_event_id, v_other_id;
      PERFORM pg_catalog.set_config('enable_nestloop', v_saved[1], true), pg_catalog.set_config('enable_mergejoin', v_saved[2], true), pg_catalog.set_config('work_mem', v_saved[3], true);
      v_path := 'hash joins';
    ELSE
      SELECT l."event_id", l."ancestor_id" INTO v_event_id, v_other_id
        FROM "spector_new_links" AS l
       WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."ancestor_id"), false)
       LIMIT 1;
    END IF;
    RAISE DEBUG 'drizzle-spector: % checks % links with %', TG_TABLE_NAME, v_rows, v_path;
    END;
  END IF;
  IF v_event_id IS NOT NULL THEN
    EXECUTE 'SELECT CASE WHEN pg_catalog.row_security_active(''"public"."events"'') THEN pg_catalog.format(''drizzle-spector cannot check link table %s: row-level security applies to %s, the owner of its same-parent rule, on "public"."events" (FORCE ROW LEVEL SECURITY), so the rule cannot see every event'', ''event_ancestors'', current_user) END,
       pg_catalog.format(''Link events must have the same parent_id: %s != %s (link table %s: event_id %s, %s %s)'', coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) $1)::pg_catalog.text, ''none (no such event)''), coalesce((SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) $2)::pg_catalog.text, ''none (no such event)''), ''event_ancestors'', $1, ''ancestor_id'', $2)' INTO v_denied, v_message USING v_event_id, v_other_id;
    IF v_denied IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = v_denied,
        HINT = 'Let the owner of the rule''s functions bypass row-level security (ALTER ROLE ... BYPASSRLS), or do not force it on the events table.';
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = v_message,
      SCHEMA = 'public', TABLE = 'event_ancestors';
  END IF;
  RETURN NULL;
END
$spector$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION "public"."check_link_same_parent_event_ancestors_update"() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_ancestors_events"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  AS $spector$
DECLARE
  v_event_id pg_catalog.uuid;
  v_other_id pg_catalog.uuid;
  v_denied pg_catalog.text;
  v_message pg_catalog.text;
BEGIN
  IF pg_catalog.to_regclass('"public"."event_ancestors"') IS NULL THEN
    RETURN NULL;
  END IF;
  EXECUTE 'SELECT l."event_id", l."ancestor_id"
      FROM "public"."event_ancestors" AS l
     WHERE (l."event_id" OPERATOR(pg_catalog.=) $1 OR l."ancestor_id" OPERATOR(pg_catalog.=) $1)
       AND NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."ancestor_id"), false)
     LIMIT 1' INTO v_event_id, v_other_id USING NEW."id";
  IF v_event_id IS NOT NULL THEN
    EXECUTE 'SELECT CASE WHEN pg_catalog.row_security_active(''"public"."events"'') THEN pg_catalog.format(''drizzle-spector cannot check link table %s: row-level security applies to %s, the owner of its same-parent rule, on "public"."events" (FORCE ROW LEVEL SECURITY), so the rule cannot see every event'', ''event_ancestors'', current_user) END,
       pg_catalog.format(''Link events must have the same parent_id: %s != %s (link table %s: event_id %s, %s %s)'', coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) $1)::pg_catalog.text, ''none (no such event)''), coalesce((SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) $2)::pg_catalog.text, ''none (no such event)''), ''event_ancestors'', $1, ''ancestor_id'', $2)' INTO v_denied, v_message USING v_event_id, v_other_id;
    IF v_denied IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = v_denied,
        HINT = 'Let the owner of the rule''s functions bypass row-level security (ALTER ROLE ... BYPASSRLS), or do not force it on the events table.';
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = v_message,
      SCHEMA = 'public', TABLE = 'event_ancestors';
  END IF;
  RETURN NULL;
END
$spector$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION "public"."check_link_same_parent_event_ancestors_events"() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER "enforce_same_parent_event_ancestors" AFTER INSERT ON "public"."event_ancestors"
  REFERENCING NEW TABLE AS "spector_new_links"
  FOR EACH STATEMENT EXECUTE FUNCTION "public"."check_link_same_parent_event_ancestors"();
--> statement-breakpoint
CREATE OR REPLACE TRIGGER "enforce_same_parent_event_ancestors_update" AFTER UPDATE ON "public"."event_ancestors"
  REFERENCING NEW TABLE AS "spector_new_links"
  FOR EACH STATEMENT EXECUTE FUNCTION "public"."check_link_same_parent_event_ancestors_update"();
--> statement-breakpoint
CREATE OR REPLACE TRIGGER "enforce_same_parent_event_ancestors_events" AFTER UPDATE OF "id", "parent_id" ON "public"."events"
  FOR EACH ROW WHEN (OLD."id" IS DISTINCT FROM NEW."id" OR OLD."parent_id" IS DISTINCT FROM NEW."parent_id") EXECUTE FUNCTION "public"."check_link_same_parent_event_ancestors_events"();
--> statement-breakpoint
ALTER TABLE "public"."event_ancestors" REPLICA IDENTITY USING INDEX "event_ancestors_event_id_ancestor_id_index";
--> statement-breakpoint
-- drizzle-spector:create-same-parent public.event_links 193ff45954cd08
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_links"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  AS $spector$
DECLARE
  v_event_id pg_catalog.uuid;
  v_other_id pg_catalog.uuid;
  v_denied pg_catalog.text;
  v_message pg_catalog.text;
BEGIN
  PERFORM FROM "spector_new_links" OFFSET 63 LIMIT 1;
  IF NOT FOUND THEN
    SELECT l."event_id", l."linked_id" INTO v_event_id, v_other_id
      FROM "spector_new_links" AS l
     WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."linked_id"), false)
     LIMIT 1;
  ELSE
    DECLARE
      v_rows pg_catalog.int8;
      v_small pg_catalog.bool;
      v_merge pg_catalog.bool := false;
      v_min_id pg_catalog.uuid;
      v_plan pg_catalog.json;
      v_saved pg_catalog.text[];
      v_path pg_catalog.text := 'primary-key lookups';
    BEGIN
    SELECT pg_catalog.count(*), ((pg_catalog.pg_relation_size('"public"."events"') OPERATOR(pg_catalog./) pg_catalog.current_setting('block_size')::pg_catalog.int8) OPERATOR(pg_catalog.*) 16) OPERATOR(pg_catalog.<=) pg_catalog.count(*) FROM "spector_new_links" INTO v_rows, v_small;
    IF v_small THEN
      SELECT coalesce((SELECT s.correlation FROM pg_catalog.pg_stats AS s
   WHERE s.schemaname OPERATOR(pg_catalog.=) 'public' AND s.tablename OPERATOR(pg_catalog.=) 'events' AND s.attname OPERATOR(pg_catalog.=) 'id'), 0) OPERATOR(pg_catalog.>=) 0.9::pg_catalog.float4 INTO v_merge;
    END IF;
    IF NOT v_small OR v_merge THEN
      SELECT coalesce((SELECT least(l."event_id", l."linked_id") FROM "spector_new_links" AS l
   WHERE l."event_id" OPERATOR(pg_catalog.<) f.id OR l."linked_id" OPERATOR(pg_catalog.<) f.id ORDER BY 1 LIMIT 1), f.id)
  FROM (SELECT least(l."event_id", l."linked_id") AS id FROM (SELECT * FROM "spector_new_links" LIMIT 64) AS l ORDER BY 1 LIMIT 1) AS f INTO v_min_id;
      EXECUTE 'EXPLAIN (FORMAT JSON) SELECT FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) $1' INTO v_plan USING v_min_id;
      v_merge := (v_plan OPERATOR(pg_catalog.->) 0 OPERATOR(pg_catalog.->) 'Plan' OPERATOR(pg_catalog.->>) 'Plan Rows')::pg_catalog.float8 OPERATOR(pg_catalog.<=) (v_rows OPERATOR(pg_catalog.*) 8);
    END IF;
    IF v_merge THEN
      v_saved := ARRAY[pg_catalog.current_setting('enable_nestloop'), pg_catalog.current_setting('enable_hashjoin'), pg_catalog.current_setting('enable_seqscan'), pg_catalog.current_setting('enable_bitmapscan'), pg_catalog.current_setting('work_mem')];
      PERFORM pg_catalog.set_config('enable_nestloop', 'off', true), pg_catalog.set_config('enable_hashjoin', 'off', true), pg_catalog.set_config('enable_seqscan', 'off', true), pg_catalog.set_config('enable_bitmapscan', 'off', true), pg_catalog.set_config('work_mem', CASE WHEN pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem')) OPERATOR(pg_catalog.<) pg_catalog.pg_size_bytes('64MB') THEN '64MB' ELSE pg_catalog.current_setting('work_mem') END, true);
      EXECUTE 'SELECT l."event_id", l."linked_id"
      FROM "spector_new_links" AS l
      LEFT JOIN (SELECT "id", "parent_id" FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) $1 ORDER BY "id" LIMIT $2) AS e ON e."id" OPERATOR(pg_catalog.=) l."event_id"
      LEFT JOIN (SELECT "id", "parent_id" FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) $1 ORDER BY "id" LIMIT $2) AS o ON o."id" OPERATOR(pg_catalog.=) l."linked_id"
     WHERE NOT coalesce(e."parent_id" OPERATOR(pg_catalog.=) o."parent_id", false)
     LIMIT 1' INTO v_event_id, v_other_id USING v_min_id, v_rows OPERATOR(pg_catalog.*) 8;
      PERFORM pg_catalog.set_config('enable_nestloop', v_saved[1], true), pg_catalog.set_config('enable_hashjoin', v_saved[2], true), pg_catalog.set_config('enable_seqscan', v_saved[3], true), pg_catalog.set_config('enable_bitmapscan', v_saved[4], true), pg_catalog.set_config('work_mem', v_saved[5], true);
      v_path := 'merge joins';
      IF v_event_id IS NOT NULL THEN
        v_path := 'merge joins, then primary-key lookups';
        SELECT l."event_id", l."linked_id" INTO v_event_id, v_other_id
          FROM "spector_new_links" AS l
         WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."linked_id"), false)
         LIMIT 1;
      END IF;
    ELSIF v_small THEN
      v_saved := ARRAY[pg_catalog.current_setting('enable_nestloop'), pg_catalog.current_setting('enable_mergejoin'), pg_catalog.current_setting('work_mem')];
      PERFORM pg_catalog.set_config('enable_nestloop', 'off', true), pg_catalog.set_config('enable_mergejoin', 'off', true), pg_catalog.set_config('work_mem', CASE WHEN pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem')) OPERATOR(pg_catalog.<) pg_catalog.pg_size_bytes('64MB') THEN '64MB' ELSE pg_catalog.current_setting('work_mem') END, true);
      EXECUTE 'SELECT l."event_id", l."linked_id"
      FROM "spector_new_links" AS l
      LEFT JOIN "public"."events" AS e ON e."id" OPERATOR(pg_catalog.=) l."event_id"
      LEFT JOIN "public"."events" AS o ON o."id" OPERATOR(pg_catalog.=) l."linked_id"
     WHERE NOT coalesce(e."parent_id" OPERATOR(pg_catalog.=) o."parent_id", false)
     LIMIT 1' INTO v_event_id, v_other_id;
      PERFORM pg_catalog.set_config('enable_nestloop', v_saved[1], true), pg_catalog.set_config('enable_mergejoin', v_saved[2], true), pg_catalog.set_config('work_mem', v_saved[3], true);
      v_path := 'hash joins';
    ELSE
      SELECT l."event_id", l."linked_id" INTO v_event_id, v_other_id
        FROM "spector_new_links" AS l
       WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."linked_id"), false)
       LIMIT 1;
    END IF;
    RAISE DEBUG 'drizzle-spector: % checks % links with %', TG_TABLE_NAME, v_rows, v_path;
    END;
  END IF;
  IF v_event_id IS NOT NULL THEN
    EXECUTE 'SELECT CASE WHEN pg_catalog.row_security_active(''"public"."events"'') THEN pg_catalog.format(''drizzle-spector cannot check link table %s: row-level security applies to %s, the owner of its same-parent rule, on "public"."events" (FORCE ROW LEVEL SECURITY), so the rule cannot see every event'', ''event_links'', current_user) END,
       pg_catalog.format(''Link events must have the same parent_id: %s != %s (link table %s: event_id %s, %s %s)'', coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) $1)::pg_catalog.text, ''none (no such event)''), coalesce((SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) $2)::pg_catalog.text, ''none (no such event)''), ''event_links'', $1, ''linked_id'', $2)' INTO v_denied, v_message USING v_event_id, v_other_id;
    IF v_denied IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = v_denied,
        HINT = 'Let the owner of the rule''s functions bypass row-level security (ALTER ROLE ... BYPASSRLS), or do not force it on the events table.';
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = v_message,
      SCHEMA = 'public', TABLE = 'event_links';
  END IF;
  RETURN NULL;
END
$spector$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION "public"."check_link_same_parent_event_links"() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_links_update"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  AS $spector$
DECLARE
  v_event_id pg_catalog.uuid;
  v_other_id pg_catalog.uuid;
  v_denied pg_catalog.text;
  v_message pg_catalog.text;
BEGIN
  PERFORM FROM "spector_new_links" OFFSET 63 LIMIT 1;
  IF NOT FOUND THEN
    SELECT l."event_id", l."linked_id" INTO v_event_id, v_other_id
      FROM "spector_new_links" AS l
     WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."linked_id"), false)
     LIMIT 1;
  ELSE
    DECLARE
      v_rows pg_catalog.int8;
      v_small pg_catalog.bool;
      v_merge pg_catalog.bool := false;
      v_min_id pg_catalog.uuid;
      v_plan pg_catalog.json;
      v_saved pg_catalog.text[];
      v_path pg_catalog.text := 'primary-key lookups';
    BEGIN
    SELECT pg_catalog.count(*), ((pg_catalog.pg_relation_size('"public"."events"') OPERATOR(pg_catalog./) pg_catalog.current_setting('block_size')::pg_catalog.int8) OPERATOR(pg_catalog.*) 16) OPERATOR(pg_catalog.<=) pg_catalog.count(*) FROM "spector_new_links" INTO v_rows, v_small;
    IF v_small THEN
      SELECT coalesce((SELECT s.correlation FROM pg_catalog.pg_stats AS s
   WHERE s.schemaname OPERATOR(pg_catalog.=) 'public' AND s.tablename OPERATOR(pg_catalog.=) 'events' AND s.attname OPERATOR(pg_catalog.=) 'id'), 0) OPERATOR(pg_catalog.>=) 0.9::pg_catalog.float4 INTO v_merge;
    END IF;
    IF NOT v_small OR v_merge THEN
      SELECT coalesce((SELECT least(l."event_id", l."linked_id") FROM "spector_new_links" AS l
   WHERE l."event_id" OPERATOR(pg_catalog.<) f.id OR l."linked_id" OPERATOR(pg_catalog.<) f.id ORDER BY 1 LIMIT 1), f.id)
  FROM (SELECT least(l."event_id", l."linked_id") AS id FROM (SELECT * FROM "spector_new_links" LIMIT 64) AS l ORDER BY 1 LIMIT 1) AS f INTO v_min_id;
      EXECUTE 'EXPLAIN (FORMAT JSON) SELECT FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) $1' INTO v_plan USING v_min_id;
      v_merge := (v_plan OPERATOR(pg_catalog.->) 0 OPERATOR(pg_catalog.->) 'Plan' OPERATOR(pg_catalog.->>) 'Plan Rows')::pg_catalog.float8 OPERATOR(pg_catalog.<=) (v_rows OPERATOR(pg_catalog.*) 8);
    END IF;
    IF v_merge THEN
      v_saved := ARRAY[pg_catalog.current_setting('enable_nestloop'), pg_catalog.current_setting('enable_hashjoin'), pg_catalog.current_setting('enable_seqscan'), pg_catalog.current_setting('enable_bitmapscan'), pg_catalog.current_setting('work_mem')];
      PERFORM pg_catalog.set_config('enable_nestloop', 'off', true), pg_catalog.set_config('enable_hashjoin', 'off', true), pg_catalog.set_config('enable_seqscan', 'off', true), pg_catalog.set_config('enable_bitmapscan', 'off', true), pg_catalog.set_config('work_mem', CASE WHEN pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem')) OPERATOR(pg_catalog.<) pg_catalog.pg_size_bytes('64MB') THEN '64MB' ELSE pg_catalog.current_setting('work_mem') END, true);
      EXECUTE 'SELECT l."event_id", l."linked_id"
      FROM "spector_new_links" AS l
      LEFT JOIN (SELECT "id", "parent_id" FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) $1 ORDER BY "id" LIMIT $2) AS e ON e."id" OPERATOR(pg_catalog.=) l."event_id"
      LEFT JOIN (SELECT "id", "parent_id" FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) $1 ORDER BY "id" LIMIT $2) AS o ON o."id" OPERATOR(pg_catalog.=) l."linked_id"
     WHERE NOT coalesce(e."parent_id" OPERATOR(pg_catalog.=) o."parent_id", false)
     LIMIT 1' INTO v_event_id, v_other_id USING v_min_id, v_rows OPERATOR(pg_catalog.*) 8;
      PERFORM pg_catalog.set_config('enable_nestloop', v_saved[1], true), pg_catalog.set_config('enable_hashjoin', v_saved[2], true), pg_catalog.set_config('enable_seqscan', v_saved[3], true), pg_catalog.set_config('enable_bitmapscan', v_saved[4], true), pg_catalog.set_config('work_mem', v_saved[5], true);
      v_path := 'merge joins';
      IF v_event_id IS NOT NULL THEN
        v_path := 'merge joins, then primary-key lookups';
        SELECT l."event_id", l."linked_id" INTO v_event_id, v_other_id
          FROM "spector_new_links" AS l
         WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."linked_id"), false)
         LIMIT 1;
      END IF;
    ELSIF v_small THEN
      v_saved := ARRAY[pg_catalog.current_setting('enable_nestloop'), pg_catalog.current_setting('enable_mergejoin'), pg_catalog.current_setting('work_mem')];
      PERFORM pg_catalog.set_config('enable_nestloop', 'off', true), pg_catalog.set_config('enable_mergejoin', 'off', true), pg_catalog.set_config('work_mem', CASE WHEN pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem')) OPERATOR(pg_catalog.<) pg_catalog.pg_size_bytes('64MB') THEN '64MB' ELSE pg_catalog.current_setting('work_mem') END, true);
      EXECUTE 'SELECT l."event_id", l."linked_id"
      FROM "spector_new_links" AS l
      LEFT JOIN "public"."events" AS e ON e."id" OPERATOR(pg_catalog.=) l."event_id"
      LEFT JOIN "public"."events" AS o ON o."id" OPERATOR(pg_catalog.=) l."linked_id"
     WHERE NOT coalesce(e."parent_id" OPERATOR(pg_catalog.=) o."parent_id", false)
     LIMIT 1' INTO v_event_id, v_other_id;
      PERFORM pg_catalog.set_config('enable_nestloop', v_saved[1], true), pg_catalog.set_config('enable_mergejoin', v_saved[2], true), pg_catalog.set_config('work_mem', v_saved[3], true);
      v_path := 'hash joins';
    ELSE
      SELECT l."event_id", l."linked_id" INTO v_event_id, v_other_id
        FROM "spector_new_links" AS l
       WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."linked_id"), false)
       LIMIT 1;
    END IF;
    RAISE DEBUG 'drizzle-spector: % checks % links with %', TG_TABLE_NAME, v_rows, v_path;
    END;
  END IF;
  IF v_event_id IS NOT NULL THEN
    EXECUTE 'SELECT CASE WHEN pg_catalog.row_security_active(''"public"."events"'') THEN pg_catalog.format(''drizzle-spector cannot check link table %s: row-level security applies to %s, the owner of its same-parent rule, on "public"."events" (FORCE ROW LEVEL SECURITY), so the rule cannot see every event'', ''event_links'', current_user) END,
       pg_catalog.format(''Link events must have the same parent_id: %s != %s (link table %s: event_id %s, %s %s)'', coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) $1)::pg_catalog.text, ''none (no such event)''), coalesce((SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) $2)::pg_catalog.text, ''none (no such event)''), ''event_links'', $1, ''linked_id'', $2)' INTO v_denied, v_message USING v_event_id, v_other_id;
    IF v_denied IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = v_denied,
        HINT = 'Let the owner of the rule''s functions bypass row-level security (ALTER ROLE ... BYPASSRLS), or do not force it on the events table.';
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = v_message,
      SCHEMA = 'public', TABLE = 'event_links';
  END IF;
  RETURN NULL;
END
$spector$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION "public"."check_link_same_parent_event_links_update"() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_links_events"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  AS $spector$
DECLARE
  v_event_id pg_catalog.uuid;
  v_other_id pg_catalog.uuid;
  v_denied pg_catalog.text;
  v_message pg_catalog.text;
BEGIN
  IF pg_catalog.to_regclass('"public"."event_links"') IS NULL THEN
    RETURN NULL;
  END IF;
  EXECUTE 'SELECT l."event_id", l."linked_id"
      FROM "public"."event_links" AS l
     WHERE (l."event_id" OPERATOR(pg_catalog.=) $1 OR l."linked_id" OPERATOR(pg_catalog.=) $1)
       AND NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."linked_id"), false)
     LIMIT 1' INTO v_event_id, v_other_id USING NEW."id";
  IF v_event_id IS NOT NULL THEN
    EXECUTE 'SELECT CASE WHEN pg_catalog.row_security_active(''"public"."events"'') THEN pg_catalog.format(''drizzle-spector cannot check link table %s: row-level security applies to %s, the owner of its same-parent rule, on "public"."events" (FORCE ROW LEVEL SECURITY), so the rule cannot see every event'', ''event_links'', current_user) END,
       pg_catalog.format(''Link events must have the same parent_id: %s != %s (link table %s: event_id %s, %s %s)'', coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) $1)::pg_catalog.text, ''none (no such event)''), coalesce((SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) $2)::pg_catalog.text, ''none (no such event)''), ''event_links'', $1, ''linked_id'', $2)' INTO v_denied, v_message USING v_event_id, v_other_id;
    IF v_denied IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = v_denied,
        HINT = 'Let the owner of the rule''s functions bypass row-level security (ALTER ROLE ... BYPASSRLS), or do not force it on the events table.';
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = v_message,
      SCHEMA = 'public', TABLE = 'event_links';
  END IF;
  RETURN NULL;
END
$spector$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION "public"."check_link_same_parent_event_links_events"() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER "enforce_same_parent_event_links" AFTER INSERT ON "public"."event_links"
  REFERENCING NEW TABLE AS "spector_new_links"
  FOR EACH STATEMENT EXECUTE FUNCTION "public"."check_link_same_parent_event_links"();
--> statement-breakpoint
CREATE OR REPLACE TRIGGER "enforce_same_parent_event_links_update" AFTER UPDATE ON "public"."event_links"
  REFERENCING NEW TABLE AS "spector_new_links"
  FOR EACH STATEMENT EXECUTE FUNCTION "public"."check_link_same_parent_event_links_update"();
--> statement-breakpoint
CREATE OR REPLACE TRIGGER "enforce_same_parent_event_links_events" AFTER UPDATE OF "id", "parent_id" ON "public"."events"
  FOR EACH ROW WHEN (OLD."id" IS DISTINCT FROM NEW."id" OR OLD."parent_id" IS DISTINCT FROM NEW."parent_id") EXECUTE FUNCTION "public"."check_link_same_parent_event_links_events"();
--> statement-breakpoint
ALTER TABLE "public"."event_links" REPLICA IDENTITY USING INDEX "event_links_event_id_linked_id_type_index";
--> statement-breakpoint
-- drizzle-spector:create-record-chain public.ledger 0634ef3bf583ad
DO $spector$
DECLARE
  r record;
  v_parent uuid;
  v_last uuid;
  v_hash bytea;
  v_count bigint := 0;
  v_guarded boolean;
  v_path text := pg_catalog.current_setting('search_path');
BEGIN
  -- only where the chain is new: a trigger already there means rows without a head were written
  -- around it, which verification must go on reporting (a new version of the rule is installed again)
  IF EXISTS (SELECT FROM pg_catalog.pg_trigger WHERE tgrelid OPERATOR(pg_catalog.=) '"public"."ledger"'::pg_catalog.regclass
               AND tgname OPERATOR(pg_catalog.=) 'record_chain_ledger') THEN
    RETURN;
  END IF;
  -- other writers wait until the migration commits, as the trigger's creation right after makes them
  LOCK TABLE "public"."ledger" IN SHARE ROW EXCLUSIVE MODE;
  PERFORM 1 FROM "public"."ledger" AS e WHERE NOT EXISTS (SELECT FROM "public"."ledger_heads" AS h WHERE h."parent_id" = e."parent_id") LIMIT 1;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  -- PostgreSQL's own operators for what follows, whatever the migrating role's path; restored below
  PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
  SELECT tgenabled <> 'D' INTO v_guarded FROM pg_catalog.pg_trigger
   WHERE tgrelid = '"public"."ledger"'::pg_catalog.regclass AND tgname = 'append_only_ledger';
  IF v_guarded THEN
    EXECUTE 'ALTER TABLE "public"."ledger" DISABLE TRIGGER "append_only_ledger"';
  END IF;
  FOR r IN SELECT e."id" AS id, e."parent_id" AS parent_id, pg_catalog.sha256(pg_catalog.convert_to(e."id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) e."parent_id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) e."schema"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) e."action"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) coalesce(pg_catalog.to_char(e."inserted_at", 'YYYY-MM-DD HH24:MI:SS.US') OPERATOR(pg_catalog.||) CASE WHEN e."inserted_at" OPERATOR(pg_catalog.<) '0001-01-01'::pg_catalog.timestamp THEN ' BC' ELSE '' END, e."inserted_at"::pg_catalog.text) OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) coalesce(e."payload"::pg_catalog.text, ''), 'UTF8')) AS digest
             FROM "public"."ledger" AS e WHERE NOT EXISTS (SELECT FROM "public"."ledger_heads" AS h WHERE h."parent_id" = e."parent_id") ORDER BY e."parent_id", e."id" LOOP
    IF r.parent_id IS DISTINCT FROM v_parent THEN
      IF v_parent IS NOT NULL THEN
        INSERT INTO "public"."ledger_heads" ("parent_id", "last_id", "last_hash", "event_count") VALUES (v_parent, v_last, v_hash, v_count);
      END IF;
      v_parent := r.parent_id;
      v_hash := NULL;
      v_count := 0;
    END IF;
    v_hash := pg_catalog.sha256(coalesce(v_hash, ''::pg_catalog.bytea) OPERATOR(pg_catalog.||) r.digest);
    v_last := r.id;
    v_count := v_count + 1;
    UPDATE "public"."ledger" AS e SET "hash" = v_hash WHERE e."id" = r.id;
  END LOOP;
  INSERT INTO "public"."ledger_heads" ("parent_id", "last_id", "last_hash", "event_count") VALUES (v_parent, v_last, v_hash, v_count);
  IF v_guarded THEN
    EXECUTE 'ALTER TABLE "public"."ledger" ENABLE ALWAYS TRIGGER "append_only_ledger"';
  END IF;
  PERFORM pg_catalog.set_config('search_path', v_path, true);
END
$spector$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."record_chain_ledger"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = 'pg_catalog', 'pg_temp'
  AS $spector$
DECLARE
  v_last_id uuid;
  v_last_hash bytea;
BEGIN
  IF TG_TABLE_NAME <> 'ledger' OR TG_TABLE_SCHEMA <> 'public'
     OR TG_OP <> 'INSERT' OR TG_WHEN <> 'BEFORE' OR TG_LEVEL <> 'ROW' THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = format('drizzle-spector: %s keeps the record chain of %s only, and was called by a trigger on %s', '"public"."record_chain_ledger"()', '"public"."ledger"',
                       format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME));
  END IF;
  IF EXISTS (SELECT FROM "public"."ledger" AS e WHERE e."id" = NEW."id") THEN
    RETURN NEW;
  END IF;
  IF NEW."id" IS NOT NULL AND (substr(NEW."id"::text, 15, 1) <> '7' OR substr(NEW."id"::text, 20, 1) NOT IN ('8', '9', 'a', 'b')
      OR ('x' || translate(left(NEW."id"::text, 13), '-', ''))::bit(48)::bigint
         > floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint + 60000) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
        MESSAGE = format('drizzle-spector: event id %s of record %s in %s is not a UUIDv7 whose time is at most 60 seconds ahead of the database clock (%s)', NEW."id", NEW."parent_id", '"public"."ledger"', clock_timestamp()),
        SCHEMA = 'public', TABLE = 'ledger';
  END IF;
  UPDATE "public"."ledger_heads" AS h
     SET "last_id" = NEW."id",
         "last_hash" = pg_catalog.sha256(coalesce(h."last_hash", ''::pg_catalog.bytea) OPERATOR(pg_catalog.||) pg_catalog.sha256(pg_catalog.convert_to(NEW."id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."parent_id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."schema"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."action"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) coalesce(pg_catalog.to_char(NEW."inserted_at", 'YYYY-MM-DD HH24:MI:SS.US') OPERATOR(pg_catalog.||) CASE WHEN NEW."inserted_at" OPERATOR(pg_catalog.<) '0001-01-01'::pg_catalog.timestamp THEN ' BC' ELSE '' END, NEW."inserted_at"::pg_catalog.text) OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) coalesce(NEW."payload"::pg_catalog.text, ''), 'UTF8'))),
         "event_count" = h."event_count" + 1
   WHERE h."parent_id" = NEW."parent_id" AND h."last_id" < NEW."id"
  RETURNING h."last_hash" INTO v_last_hash;
  IF FOUND THEN
    IF NEW."hash" IS NOT NULL AND NEW."hash" <> v_last_hash THEN
      RAISE EXCEPTION USING ERRCODE = '23514',
        MESSAGE = format('drizzle-spector: event %s of record %s in %s arrives with a hash that is not the one its record''s chain computes (%s): refused, never replaced', NEW."id", NEW."parent_id", '"public"."ledger"', encode(v_last_hash, 'hex')),
        SCHEMA = 'public', TABLE = 'ledger';
    END IF;
    NEW."hash" := v_last_hash;
    RETURN NEW;
  END IF;
  SELECT h."last_id", h."last_hash" INTO v_last_id, v_last_hash
    FROM "public"."ledger_heads" AS h WHERE h."parent_id" = NEW."parent_id" FOR UPDATE;
  IF FOUND THEN
    -- under the head's lock: an insert of this id that committed while this one waited leaves it to the key
    IF EXISTS (SELECT FROM "public"."ledger" AS e WHERE e."id" = NEW."id") THEN
      RETURN NEW;
    END IF;
    IF NEW."id" = NEW."parent_id" THEN
      RAISE EXCEPTION USING ERRCODE = '23505',
        MESSAGE = format('drizzle-spector: record %s of %s has a first event already', NEW."parent_id", '"public"."ledger"'),
        SCHEMA = 'public', TABLE = 'ledger';
    END IF;
    IF NEW."id" IS NULL THEN
      -- no id sent: one after the record's last, under its lock
      DECLARE
    v_next bytea;
    v_low bigint;
  BEGIN
    -- 48 bits of Unix milliseconds, then the random bits of a UUIDv4 with its version made 7
    v_next := substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3 FOR 6)
              || substring(uuid_send(gen_random_uuid()) FROM 7 FOR 10);
    v_next := set_byte(v_next, 6, (get_byte(v_next, 6) & 15) | 112);
    IF v_last_id IS NULL OR encode(v_next, 'hex')::uuid > v_last_id THEN
      NEW."id" := encode(v_next, 'hex')::uuid;
    ELSE
      v_next := uuid_send(v_last_id);
      v_low := (('x' || encode(substring(v_next FROM 9 FOR 8), 'hex'))::bit(64)::bigint & 4611686018427387903)
               + floor(random() * 2147483648)::bigint + 1;
      IF v_low > 4611686018427387903 THEN
        RAISE EXCEPTION USING ERRCODE = '22003',
          MESSAGE = format('drizzle-spector: record %s of %s has no UUIDv7 left after its last id %s in its millisecond', NEW."parent_id", '"public"."ledger"', v_last_id);
      END IF;
      NEW."id" := encode(substring(v_next FROM 1 FOR 8) || int8send(v_low | (2::bigint << 62)), 'hex')::uuid;
    END IF;
  END;
    END IF;
    IF NEW."id" <= v_last_id THEN
      RAISE EXCEPTION USING ERRCODE = '40001',
        MESSAGE = format('drizzle-spector: event id %s is not after %s, the last id of record %s in %s: ids of a record must increase (retry with an id after it, e.g. from %s(parent_id))', NEW."id", v_last_id, NEW."parent_id", '"public"."ledger"', '"public"."next_event_id_ledger"'),
        SCHEMA = 'public', TABLE = 'ledger';
    END IF;
    v_last_hash := pg_catalog.sha256(coalesce(v_last_hash, ''::pg_catalog.bytea) OPERATOR(pg_catalog.||) pg_catalog.sha256(pg_catalog.convert_to(NEW."id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."parent_id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."schema"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."action"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) coalesce(pg_catalog.to_char(NEW."inserted_at", 'YYYY-MM-DD HH24:MI:SS.US') OPERATOR(pg_catalog.||) CASE WHEN NEW."inserted_at" OPERATOR(pg_catalog.<) '0001-01-01'::pg_catalog.timestamp THEN ' BC' ELSE '' END, NEW."inserted_at"::pg_catalog.text) OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) coalesce(NEW."payload"::pg_catalog.text, ''), 'UTF8')));
    IF NEW."hash" IS NOT NULL AND NEW."hash" <> v_last_hash THEN
      RAISE EXCEPTION USING ERRCODE = '23514',
        MESSAGE = format('drizzle-spector: event %s of record %s in %s arrives with a hash that is not the one its record''s chain computes (%s): refused, never replaced', NEW."id", NEW."parent_id", '"public"."ledger"', encode(v_last_hash, 'hex')),
        SCHEMA = 'public', TABLE = 'ledger';
    END IF;
    NEW."hash" := v_last_hash;
    UPDATE "public"."ledger_heads" AS h SET "last_id" = NEW."id", "last_hash" = NEW."hash", "event_count" = h."event_count" + 1
     WHERE h."parent_id" = NEW."parent_id";
    RETURN NEW;
  END IF;
  IF NEW."id" IS DISTINCT FROM NEW."parent_id" THEN
    IF EXISTS (SELECT FROM "public"."ledger" AS e WHERE e."id" = NEW."parent_id" AND e."parent_id" = e."id") THEN
      RAISE EXCEPTION USING ERRCODE = '55000',
        MESSAGE = format('drizzle-spector: record %s of %s has no record chain head: its events were written before the record chain was installed', NEW."parent_id", '"public"."ledger"'),
        SCHEMA = 'public', TABLE = 'ledger';
    END IF;
    IF EXISTS (SELECT FROM "public"."ledger" AS e WHERE e."id" = NEW."parent_id") THEN
      RAISE EXCEPTION USING ERRCODE = '23503',
        MESSAGE = format('drizzle-spector: %s in %s is not the first event of its record: parent_id must be a record''s first event', NEW."parent_id", '"public"."ledger"'),
        SCHEMA = 'public', TABLE = 'ledger';
    END IF;
    RAISE EXCEPTION USING ERRCODE = '23503',
        MESSAGE = format('drizzle-spector: no record %s in %s: its first event must be written first', NEW."parent_id", '"public"."ledger"'),
        SCHEMA = 'public', TABLE = 'ledger';
  END IF;
  v_last_hash := pg_catalog.sha256(coalesce(NULL, ''::pg_catalog.bytea) OPERATOR(pg_catalog.||) pg_catalog.sha256(pg_catalog.convert_to(NEW."id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."parent_id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."schema"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."action"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) coalesce(pg_catalog.to_char(NEW."inserted_at", 'YYYY-MM-DD HH24:MI:SS.US') OPERATOR(pg_catalog.||) CASE WHEN NEW."inserted_at" OPERATOR(pg_catalog.<) '0001-01-01'::pg_catalog.timestamp THEN ' BC' ELSE '' END, NEW."inserted_at"::pg_catalog.text) OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) coalesce(NEW."payload"::pg_catalog.text, ''), 'UTF8')));
  IF NEW."hash" IS NOT NULL AND NEW."hash" <> v_last_hash THEN
      RAISE EXCEPTION USING ERRCODE = '23514',
        MESSAGE = format('drizzle-spector: event %s of record %s in %s arrives with a hash that is not the one its record''s chain computes (%s): refused, never replaced', NEW."id", NEW."parent_id", '"public"."ledger"', encode(v_last_hash, 'hex')),
        SCHEMA = 'public', TABLE = 'ledger';
    END IF;
  NEW."hash" := v_last_hash;
  INSERT INTO "public"."ledger_heads" AS h ("parent_id", "last_id", "last_hash", "event_count")
  VALUES (NEW."parent_id", NEW."id", NEW."hash", 1)
  ON CONFLICT ("parent_id") DO NOTHING;
  IF NOT FOUND THEN
    -- a concurrent first event of this record committed meanwhile: the same id leaves it to the key
    IF EXISTS (SELECT FROM "public"."ledger" AS e WHERE e."id" = NEW."id") THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION USING ERRCODE = '23505',
        MESSAGE = format('drizzle-spector: record %s of %s has a first event already', NEW."parent_id", '"public"."ledger"'),
        SCHEMA = 'public', TABLE = 'ledger';
  END IF;
  RETURN NEW;
END
$spector$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION "public"."record_chain_ledger"() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."next_event_id_ledger"(parent uuid) RETURNS "pg_catalog"."uuid" LANGUAGE plpgsql
  SET search_path = 'pg_catalog', 'pg_temp'
  AS $spector$
DECLARE
  v_last uuid;
  v_id uuid;
BEGIN
  SELECT e."id" INTO v_last FROM "public"."ledger" AS e WHERE e."parent_id" = parent ORDER BY e."id" DESC LIMIT 1;
  DECLARE
    v_next bytea;
    v_low bigint;
  BEGIN
    -- 48 bits of Unix milliseconds, then the random bits of a UUIDv4 with its version made 7
    v_next := substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3 FOR 6)
              || substring(uuid_send(gen_random_uuid()) FROM 7 FOR 10);
    v_next := set_byte(v_next, 6, (get_byte(v_next, 6) & 15) | 112);
    IF v_last IS NULL OR encode(v_next, 'hex')::uuid > v_last THEN
      v_id := encode(v_next, 'hex')::uuid;
    ELSE
      v_next := uuid_send(v_last);
      v_low := (('x' || encode(substring(v_next FROM 9 FOR 8), 'hex'))::bit(64)::bigint & 4611686018427387903)
               + floor(random() * 2147483648)::bigint + 1;
      IF v_low > 4611686018427387903 THEN
        RAISE EXCEPTION USING ERRCODE = '22003',
          MESSAGE = format('drizzle-spector: record %s of %s has no UUIDv7 left after its last id %s in its millisecond', parent, '"public"."ledger"', v_last);
      END IF;
      v_id := encode(substring(v_next FROM 1 FOR 8) || int8send(v_low | (2::bigint << 62)), 'hex')::uuid;
    END IF;
  END;
  RETURN v_id;
END
$spector$;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER "record_chain_ledger" BEFORE INSERT ON "public"."ledger"
  FOR EACH ROW EXECUTE FUNCTION "public"."record_chain_ledger"();
