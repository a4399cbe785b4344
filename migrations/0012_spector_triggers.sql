-- drizzle-spector:create-same-parent public.event_ancestors 03dea9e0951856
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_ancestors_large"(p_event_ids uuid[], p_other_ids uuid[]) RETURNS "pg_catalog"."void" LANGUAGE plpgsql SECURITY DEFINER
  AS $spector$
DECLARE
  v_event_id pg_catalog.uuid;
  v_other_id pg_catalog.uuid;
  v_denied pg_catalog.text;
  v_message pg_catalog.text;
  v_rows pg_catalog.int8 := pg_catalog.cardinality(p_event_ids);
  v_small pg_catalog.bool;
  v_merge pg_catalog.bool := false;
  v_min_id pg_catalog.uuid;
  v_plan pg_catalog.json;
  v_saved pg_catalog.text[];
  v_path pg_catalog.text := 'primary-key lookups';
BEGIN
  IF v_rows OPERATOR(pg_catalog.<) 64 THEN
    SELECT l."event_id", l."ancestor_id" INTO v_event_id, v_other_id
      FROM ROWS FROM (pg_catalog.unnest(p_event_ids), pg_catalog.unnest(p_other_ids)) AS l("event_id", "ancestor_id")
     WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."ancestor_id"), false)
     LIMIT 1;
  ELSE
    v_small := ((pg_catalog.pg_relation_size('"public"."events"') OPERATOR(pg_catalog./) pg_catalog.current_setting('block_size')::pg_catalog.int8) OPERATOR(pg_catalog.*) 16) OPERATOR(pg_catalog.<=) v_rows;
    IF v_small THEN
      SELECT coalesce((SELECT s.correlation FROM pg_catalog.pg_stats AS s
   WHERE s.schemaname OPERATOR(pg_catalog.=) 'public' AND s.tablename OPERATOR(pg_catalog.=) 'events' AND s.attname OPERATOR(pg_catalog.=) 'id'), 0) OPERATOR(pg_catalog.>=) 0.9::pg_catalog.float4 INTO v_merge;
    END IF;
    IF NOT v_small OR v_merge THEN
      SELECT least(l."event_id", l."ancestor_id") FROM ROWS FROM (pg_catalog.unnest(p_event_ids), pg_catalog.unnest(p_other_ids)) AS l("event_id", "ancestor_id") ORDER BY 1 LIMIT 1 INTO v_min_id;
      EXECUTE 'EXPLAIN (FORMAT JSON) SELECT FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) $1' INTO v_plan USING v_min_id;
      v_merge := (v_plan OPERATOR(pg_catalog.->) 0 OPERATOR(pg_catalog.->) 'Plan' OPERATOR(pg_catalog.->>) 'Plan Rows')::pg_catalog.float8 OPERATOR(pg_catalog.<=) (v_rows OPERATOR(pg_catalog.*) 8);
    END IF;
    IF v_merge THEN
      v_saved := ARRAY[pg_catalog.current_setting('enable_nestloop'), pg_catalog.current_setting('enable_hashjoin'), pg_catalog.current_setting('enable_seqscan'), pg_catalog.current_setting('enable_bitmapscan'), pg_catalog.current_setting('work_mem')];
      PERFORM pg_catalog.set_config('enable_nestloop', 'off', true), pg_catalog.set_config('enable_hashjoin', 'off', true), pg_catalog.set_config('enable_seqscan', 'off', true), pg_catalog.set_config('enable_bitmapscan', 'off', true), pg_catalog.set_config('work_mem', CASE WHEN pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem')) OPERATOR(pg_catalog.<) pg_catalog.pg_size_bytes('64MB') THEN '64MB' ELSE pg_catalog.current_setting('work_mem') END, true);
      EXECUTE 'SELECT l."event_id", l."ancestor_id"
      FROM ROWS FROM (pg_catalog.unnest($3), pg_catalog.unnest($4)) AS l("event_id", "ancestor_id")
      LEFT JOIN (SELECT "id", "parent_id" FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) $1 ORDER BY "id" LIMIT $2) AS e ON e."id" OPERATOR(pg_catalog.=) l."event_id"
      LEFT JOIN (SELECT "id", "parent_id" FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) $1 ORDER BY "id" LIMIT $2) AS o ON o."id" OPERATOR(pg_catalog.=) l."ancestor_id"
     WHERE NOT coalesce(e."parent_id" OPERATOR(pg_catalog.=) o."parent_id", false)
     LIMIT 1' INTO v_event_id, v_other_id USING v_min_id, v_rows OPERATOR(pg_catalog.*) 8, p_event_ids, p_other_ids;
      PERFORM pg_catalog.set_config('enable_nestloop', v_saved[1], true), pg_catalog.set_config('enable_hashjoin', v_saved[2], true), pg_catalog.set_config('enable_seqscan', v_saved[3], true), pg_catalog.set_config('enable_bitmapscan', v_saved[4], true), pg_catalog.set_config('work_mem', v_saved[5], true);
      v_path := 'merge joins';
      IF v_event_id IS NOT NULL THEN
        v_path := 'merge joins, then primary-key lookups';
        SELECT l."event_id", l."ancestor_id" INTO v_event_id, v_other_id
          FROM ROWS FROM (pg_catalog.unnest(p_event_ids), pg_catalog.unnest(p_other_ids)) AS l("event_id", "ancestor_id")
         WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."ancestor_id"), false)
         LIMIT 1;
      END IF;
    ELSIF v_small THEN
      v_saved := ARRAY[pg_catalog.current_setting('enable_nestloop'), pg_catalog.current_setting('enable_mergejoin'), pg_catalog.current_setting('work_mem')];
      PERFORM pg_catalog.set_config('enable_nestloop', 'off', true), pg_catalog.set_config('enable_mergejoin', 'off', true), pg_catalog.set_config('work_mem', CASE WHEN pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem')) OPERATOR(pg_catalog.<) pg_catalog.pg_size_bytes('64MB') THEN '64MB' ELSE pg_catalog.current_setting('work_mem') END, true);
      EXECUTE 'SELECT l."event_id", l."ancestor_id"
      FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS l("event_id", "ancestor_id")
      LEFT JOIN "public"."events" AS e ON e."id" OPERATOR(pg_catalog.=) l."event_id"
      LEFT JOIN "public"."events" AS o ON o."id" OPERATOR(pg_catalog.=) l."ancestor_id"
     WHERE NOT coalesce(e."parent_id" OPERATOR(pg_catalog.=) o."parent_id", false)
     LIMIT 1' INTO v_event_id, v_other_id USING p_event_ids, p_other_ids;
      PERFORM pg_catalog.set_config('enable_nestloop', v_saved[1], true), pg_catalog.set_config('enable_mergejoin', v_saved[2], true), pg_catalog.set_config('work_mem', v_saved[3], true);
      v_path := 'hash joins';
    ELSE
      SELECT l."event_id", l."ancestor_id" INTO v_event_id, v_other_id
        FROM ROWS FROM (pg_catalog.unnest(p_event_ids), pg_catalog.unnest(p_other_ids)) AS l("event_id", "ancestor_id")
       WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."ancestor_id"), false)
       LIMIT 1;
    END IF;
    RAISE DEBUG 'drizzle-spector: % checks % links with %', 'event_ancestors', v_rows, v_path;
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
END
$spector$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION "public"."check_link_same_parent_event_ancestors_large"(p_event_ids uuid[], p_other_ids uuid[]) FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_ancestors"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  AS $spector$
DECLARE
  v_event_id pg_catalog.uuid;
  v_other_id pg_catalog.uuid;
BEGIN
  PERFORM FROM "spector_new_links" OFFSET 63 LIMIT 1;
  IF NOT FOUND THEN
    SELECT l."event_id", l."ancestor_id" INTO v_event_id, v_other_id
      FROM "spector_new_links" AS l
     WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."ancestor_id"), false)
     LIMIT 1;
    IF v_event_id IS NOT NULL THEN
      PERFORM "public"."check_link_same_parent_event_ancestors_large"(ARRAY[v_event_id], ARRAY[v_other_id]);
    END IF;
  ELSE
    PERFORM "public"."check_link_same_parent_event_ancestors_large"(pg_catalog.array_agg(l."event_id"), pg_catalog.array_agg(l."ancestor_id")) FROM "spector_new_links" AS l;
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
BEGIN
  PERFORM FROM "spector_new_links" OFFSET 63 LIMIT 1;
  IF NOT FOUND THEN
    SELECT l."event_id", l."ancestor_id" INTO v_event_id, v_other_id
      FROM "spector_new_links" AS l
     WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."ancestor_id"), false)
     LIMIT 1;
    IF v_event_id IS NOT NULL THEN
      PERFORM "public"."check_link_same_parent_event_ancestors_large"(ARRAY[v_event_id], ARRAY[v_other_id]);
    END IF;
  ELSE
    PERFORM "public"."check_link_same_parent_event_ancestors_large"(pg_catalog.array_agg(l."event_id"), pg_catalog.array_agg(l."ancestor_id")) FROM "spector_new_links" AS l;
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
-- drizzle-spector:create-same-parent public.event_links 1b7d7f232c3618
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_links_large"(p_event_ids uuid[], p_other_ids uuid[]) RETURNS "pg_catalog"."void" LANGUAGE plpgsql SECURITY DEFINER
  AS $spector$
DECLARE
  v_event_id pg_catalog.uuid;
  v_other_id pg_catalog.uuid;
  v_denied pg_catalog.text;
  v_message pg_catalog.text;
  v_rows pg_catalog.int8 := pg_catalog.cardinality(p_event_ids);
  v_small pg_catalog.bool;
  v_merge pg_catalog.bool := false;
  v_min_id pg_catalog.uuid;
  v_plan pg_catalog.json;
  v_saved pg_catalog.text[];
  v_path pg_catalog.text := 'primary-key lookups';
BEGIN
  IF v_rows OPERATOR(pg_catalog.<) 64 THEN
    SELECT l."event_id", l."linked_id" INTO v_event_id, v_other_id
      FROM ROWS FROM (pg_catalog.unnest(p_event_ids), pg_catalog.unnest(p_other_ids)) AS l("event_id", "linked_id")
     WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."linked_id"), false)
     LIMIT 1;
  ELSE
    v_small := ((pg_catalog.pg_relation_size('"public"."events"') OPERATOR(pg_catalog./) pg_catalog.current_setting('block_size')::pg_catalog.int8) OPERATOR(pg_catalog.*) 16) OPERATOR(pg_catalog.<=) v_rows;
    IF v_small THEN
      SELECT coalesce((SELECT s.correlation FROM pg_catalog.pg_stats AS s
   WHERE s.schemaname OPERATOR(pg_catalog.=) 'public' AND s.tablename OPERATOR(pg_catalog.=) 'events' AND s.attname OPERATOR(pg_catalog.=) 'id'), 0) OPERATOR(pg_catalog.>=) 0.9::pg_catalog.float4 INTO v_merge;
    END IF;
    IF NOT v_small OR v_merge THEN
      SELECT least(l."event_id", l."linked_id") FROM ROWS FROM (pg_catalog.unnest(p_event_ids), pg_catalog.unnest(p_other_ids)) AS l("event_id", "linked_id") ORDER BY 1 LIMIT 1 INTO v_min_id;
      EXECUTE 'EXPLAIN (FORMAT JSON) SELECT FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) $1' INTO v_plan USING v_min_id;
      v_merge := (v_plan OPERATOR(pg_catalog.->) 0 OPERATOR(pg_catalog.->) 'Plan' OPERATOR(pg_catalog.->>) 'Plan Rows')::pg_catalog.float8 OPERATOR(pg_catalog.<=) (v_rows OPERATOR(pg_catalog.*) 8);
    END IF;
    IF v_merge THEN
      v_saved := ARRAY[pg_catalog.current_setting('enable_nestloop'), pg_catalog.current_setting('enable_hashjoin'), pg_catalog.current_setting('enable_seqscan'), pg_catalog.current_setting('enable_bitmapscan'), pg_catalog.current_setting('work_mem')];
      PERFORM pg_catalog.set_config('enable_nestloop', 'off', true), pg_catalog.set_config('enable_hashjoin', 'off', true), pg_catalog.set_config('enable_seqscan', 'off', true), pg_catalog.set_config('enable_bitmapscan', 'off', true), pg_catalog.set_config('work_mem', CASE WHEN pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem')) OPERATOR(pg_catalog.<) pg_catalog.pg_size_bytes('64MB') THEN '64MB' ELSE pg_catalog.current_setting('work_mem') END, true);
      EXECUTE 'SELECT l."event_id", l."linked_id"
      FROM ROWS FROM (pg_catalog.unnest($3), pg_catalog.unnest($4)) AS l("event_id", "linked_id")
      LEFT JOIN (SELECT "id", "parent_id" FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) $1 ORDER BY "id" LIMIT $2) AS e ON e."id" OPERATOR(pg_catalog.=) l."event_id"
      LEFT JOIN (SELECT "id", "parent_id" FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) $1 ORDER BY "id" LIMIT $2) AS o ON o."id" OPERATOR(pg_catalog.=) l."linked_id"
     WHERE NOT coalesce(e."parent_id" OPERATOR(pg_catalog.=) o."parent_id", false)
     LIMIT 1' INTO v_event_id, v_other_id USING v_min_id, v_rows OPERATOR(pg_catalog.*) 8, p_event_ids, p_other_ids;
      PERFORM pg_catalog.set_config('enable_nestloop', v_saved[1], true), pg_catalog.set_config('enable_hashjoin', v_saved[2], true), pg_catalog.set_config('enable_seqscan', v_saved[3], true), pg_catalog.set_config('enable_bitmapscan', v_saved[4], true), pg_catalog.set_config('work_mem', v_saved[5], true);
      v_path := 'merge joins';
      IF v_event_id IS NOT NULL THEN
        v_path := 'merge joins, then primary-key lookups';
        SELECT l."event_id", l."linked_id" INTO v_event_id, v_other_id
          FROM ROWS FROM (pg_catalog.unnest(p_event_ids), pg_catalog.unnest(p_other_ids)) AS l("event_id", "linked_id")
         WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."linked_id"), false)
         LIMIT 1;
      END IF;
    ELSIF v_small THEN
      v_saved := ARRAY[pg_catalog.current_setting('enable_nestloop'), pg_catalog.current_setting('enable_mergejoin'), pg_catalog.current_setting('work_mem')];
      PERFORM pg_catalog.set_config('enable_nestloop', 'off', true), pg_catalog.set_config('enable_mergejoin', 'off', true), pg_catalog.set_config('work_mem', CASE WHEN pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem')) OPERATOR(pg_catalog.<) pg_catalog.pg_size_bytes('64MB') THEN '64MB' ELSE pg_catalog.current_setting('work_mem') END, true);
      EXECUTE 'SELECT l."event_id", l."linked_id"
      FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS l("event_id", "linked_id")
      LEFT JOIN "public"."events" AS e ON e."id" OPERATOR(pg_catalog.=) l."event_id"
      LEFT JOIN "public"."events" AS o ON o."id" OPERATOR(pg_catalog.=) l."linked_id"
     WHERE NOT coalesce(e."parent_id" OPERATOR(pg_catalog.=) o."parent_id", false)
     LIMIT 1' INTO v_event_id, v_other_id USING p_event_ids, p_other_ids;
      PERFORM pg_catalog.set_config('enable_nestloop', v_saved[1], true), pg_catalog.set_config('enable_mergejoin', v_saved[2], true), pg_catalog.set_config('work_mem', v_saved[3], true);
      v_path := 'hash joins';
    ELSE
      SELECT l."event_id", l."linked_id" INTO v_event_id, v_other_id
        FROM ROWS FROM (pg_catalog.unnest(p_event_ids), pg_catalog.unnest(p_other_ids)) AS l("event_id", "linked_id")
       WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."linked_id"), false)
       LIMIT 1;
    END IF;
    RAISE DEBUG 'drizzle-spector: % checks % links with %', 'event_links', v_rows, v_path;
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
END
$spector$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION "public"."check_link_same_parent_event_links_large"(p_event_ids uuid[], p_other_ids uuid[]) FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_links"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  AS $spector$
DECLARE
  v_event_id pg_catalog.uuid;
  v_other_id pg_catalog.uuid;
BEGIN
  PERFORM FROM "spector_new_links" OFFSET 63 LIMIT 1;
  IF NOT FOUND THEN
    SELECT l."event_id", l."linked_id" INTO v_event_id, v_other_id
      FROM "spector_new_links" AS l
     WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."linked_id"), false)
     LIMIT 1;
    IF v_event_id IS NOT NULL THEN
      PERFORM "public"."check_link_same_parent_event_links_large"(ARRAY[v_event_id], ARRAY[v_other_id]);
    END IF;
  ELSE
    PERFORM "public"."check_link_same_parent_event_links_large"(pg_catalog.array_agg(l."event_id"), pg_catalog.array_agg(l."linked_id")) FROM "spector_new_links" AS l;
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
BEGIN
  PERFORM FROM "spector_new_links" OFFSET 63 LIMIT 1;
  IF NOT FOUND THEN
    SELECT l."event_id", l."linked_id" INTO v_event_id, v_other_id
      FROM "spector_new_links" AS l
     WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."linked_id"), false)
     LIMIT 1;
    IF v_event_id IS NOT NULL THEN
      PERFORM "public"."check_link_same_parent_event_links_large"(ARRAY[v_event_id], ARRAY[v_other_id]);
    END IF;
  ELSE
    PERFORM "public"."check_link_same_parent_event_links_large"(pg_catalog.array_agg(l."event_id"), pg_catalog.array_agg(l."linked_id")) FROM "spector_new_links" AS l;
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
