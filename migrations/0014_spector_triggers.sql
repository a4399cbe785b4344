-- drizzle-spector:create-same-parent public.event_ancestors 105cebf255c6be
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_ancestors_large"(p_rows bigint, p_min_id uuid, p_event_id uuid, p_other_id uuid, p_state text[]) RETURNS "pg_catalog"."_text" LANGUAGE plpgsql SECURITY DEFINER
  AS $spector$
DECLARE
  v_event_id pg_catalog.uuid;
  v_other_id pg_catalog.uuid;
  v_denied pg_catalog.text;
  v_message pg_catalog.text;
  v_small pg_catalog.bool;
  v_ordered pg_catalog.bool := false;
  v_plan pg_catalog.json;
  v_step pg_catalog.text;
  v_state pg_catalog.text[];
BEGIN
  IF p_state IS NOT NULL THEN
    v_step := p_state[1];
    IF pg_catalog.cardinality(p_state) OPERATOR(pg_catalog.>) 3 THEN
      PERFORM pg_catalog.set_config('enable_nestloop', p_state[4], true), pg_catalog.set_config('enable_hashjoin', p_state[5], true), pg_catalog.set_config('enable_seqscan', p_state[6], true), pg_catalog.set_config('enable_bitmapscan', p_state[7], true), pg_catalog.set_config('work_mem', p_state[8], true), pg_catalog.set_config('enable_mergejoin', p_state[9], true);
    END IF;
    IF v_step OPERATOR(pg_catalog.=) 'merge joins' AND p_event_id IS NOT NULL THEN
      v_step := 'merge joins, then primary-key lookups';
    END IF;
    RAISE DEBUG 'drizzle-spector: % checks % links with %', 'event_ancestors', p_state[3], v_step;
    RETURN ARRAY[v_step, CASE WHEN v_step OPERATOR(pg_catalog.=) 'merge joins, then primary-key lookups' THEN 'SELECT l."event_id", l."ancestor_id"
  FROM "spector_new_links" AS l
 WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."ancestor_id"), false)
 LIMIT 1' END];
  END IF;
  IF p_rows IS NULL THEN
    v_event_id := p_event_id;
    v_other_id := p_other_id;
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
  END IF;
  v_small := ((pg_catalog.pg_relation_size('"public"."events"') OPERATOR(pg_catalog./) pg_catalog.current_setting('block_size')::pg_catalog.int8) OPERATOR(pg_catalog.*) 16) OPERATOR(pg_catalog.<=) p_rows;
  IF p_min_id IS NULL THEN
    IF v_small THEN
      SELECT coalesce((SELECT s.correlation FROM pg_catalog.pg_stats AS s
   WHERE s.schemaname OPERATOR(pg_catalog.=) 'public' AND s.tablename OPERATOR(pg_catalog.=) 'events' AND s.attname OPERATOR(pg_catalog.=) 'id'), 0) OPERATOR(pg_catalog.>=) 0.9::pg_catalog.float4 INTO v_ordered;
    END IF;
    IF NOT v_small OR v_ordered THEN
      RETURN ARRAY['smallest id', pg_catalog.concat('SELECT "public"."check_link_same_parent_event_ancestors_large"(', p_rows, ', coalesce((SELECT least(l."event_id", l."ancestor_id") FROM "spector_new_links" AS l
   WHERE l."event_id" OPERATOR(pg_catalog.<) f.id OR l."ancestor_id" OPERATOR(pg_catalog.<) f.id ORDER BY 1 LIMIT 1), f.id), NULL, NULL, NULL)
  FROM (SELECT least(l."event_id", l."ancestor_id") AS id FROM (SELECT * FROM "spector_new_links" LIMIT 64) AS l ORDER BY 1 LIMIT 1) AS f')];
    END IF;
    v_step := 'hash joins';
  ELSE
    EXECUTE 'EXPLAIN (FORMAT JSON) SELECT FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) $1' INTO v_plan USING p_min_id;
    IF (v_plan OPERATOR(pg_catalog.->) 0 OPERATOR(pg_catalog.->) 'Plan' OPERATOR(pg_catalog.->>) 'Plan Rows')::pg_catalog.float8 OPERATOR(pg_catalog.<=) (p_rows OPERATOR(pg_catalog.*) 8) THEN
      v_step := 'merge joins';
    ELSIF v_small THEN
      v_step := 'hash joins';
    ELSE
      RETURN ARRAY['primary-key lookups', 'SELECT l."event_id", l."ancestor_id"
  FROM "spector_new_links" AS l
 WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."ancestor_id"), false)
 LIMIT 1', p_rows::pg_catalog.text];
    END IF;
  END IF;
  v_state := ARRAY[v_step, CASE WHEN v_step OPERATOR(pg_catalog.=) 'merge joins' THEN pg_catalog.concat('SELECT l."event_id", l."ancestor_id"
  FROM "spector_new_links" AS l
  LEFT JOIN ', '(SELECT "id", "parent_id" FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) ', pg_catalog.quote_literal(p_min_id), '::pg_catalog.uuid ORDER BY "id" LIMIT ', p_rows OPERATOR(pg_catalog.*) 8, ')', ' AS e ON e."id" OPERATOR(pg_catalog.=) l."event_id"
  LEFT JOIN ', '(SELECT "id", "parent_id" FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) ', pg_catalog.quote_literal(p_min_id), '::pg_catalog.uuid ORDER BY "id" LIMIT ', p_rows OPERATOR(pg_catalog.*) 8, ')', ' AS o ON o."id" OPERATOR(pg_catalog.=) l."ancestor_id"
 WHERE NOT coalesce(e."parent_id" OPERATOR(pg_catalog.=) o."parent_id", false)
 LIMIT 1') ELSE 'SELECT l."event_id", l."ancestor_id"
  FROM "spector_new_links" AS l
  LEFT JOIN "public"."events" AS e ON e."id" OPERATOR(pg_catalog.=) l."event_id"
  LEFT JOIN "public"."events" AS o ON o."id" OPERATOR(pg_catalog.=) l."ancestor_id"
 WHERE NOT coalesce(e."parent_id" OPERATOR(pg_catalog.=) o."parent_id", false)
 LIMIT 1' END, p_rows::pg_catalog.text, pg_catalog.current_setting('enable_nestloop'), pg_catalog.current_setting('enable_hashjoin'), pg_catalog.current_setting('enable_seqscan'), pg_catalog.current_setting('enable_bitmapscan'), pg_catalog.current_setting('work_mem'), pg_catalog.current_setting('enable_mergejoin')];
  IF v_step OPERATOR(pg_catalog.=) 'merge joins' THEN
    PERFORM pg_catalog.set_config('enable_nestloop', 'off', true), pg_catalog.set_config('enable_hashjoin', 'off', true), pg_catalog.set_config('enable_seqscan', 'off', true), pg_catalog.set_config('enable_bitmapscan', 'off', true), pg_catalog.set_config('work_mem', CASE WHEN pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem')) OPERATOR(pg_catalog.<) pg_catalog.pg_size_bytes('64MB') THEN '64MB' ELSE pg_catalog.current_setting('work_mem') END, true);
  ELSE
    PERFORM pg_catalog.set_config('enable_nestloop', 'off', true), pg_catalog.set_config('enable_mergejoin', 'off', true), pg_catalog.set_config('work_mem', CASE WHEN pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem')) OPERATOR(pg_catalog.<) pg_catalog.pg_size_bytes('64MB') THEN '64MB' ELSE pg_catalog.current_setting('work_mem') END, true);
  END IF;
  RETURN v_state;
END
$spector$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION "public"."check_link_same_parent_event_ancestors_large"(p_rows bigint, p_min_id uuid, p_event_id uuid, p_other_id uuid, p_state text[]) FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_ancestors"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  AS $spector$
DECLARE
  v_event_id pg_catalog.uuid;
  v_other_id pg_catalog.uuid;
  v_large pg_catalog.text[];
BEGIN
  PERFORM FROM "spector_new_links" OFFSET 63 LIMIT 1;
  IF NOT FOUND THEN
    SELECT l."event_id", l."ancestor_id"
      FROM "spector_new_links" AS l
     WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."ancestor_id"), false)
     LIMIT 1 INTO v_event_id, v_other_id;
  ELSE
    EXECUTE 'SELECT "public"."check_link_same_parent_event_ancestors_large"(pg_catalog.count(*), NULL, NULL, NULL, NULL) FROM "spector_new_links"' INTO v_large;
    IF v_large[1] OPERATOR(pg_catalog.=) 'smallest id' THEN
      EXECUTE v_large[2] INTO v_large;
    END IF;
    EXECUTE v_large[2] INTO v_event_id, v_other_id;
    v_large := "public"."check_link_same_parent_event_ancestors_large"(NULL, NULL, v_event_id, v_other_id, v_large);
    IF v_large[2] IS NOT NULL THEN
      EXECUTE v_large[2] INTO v_event_id, v_other_id;
    END IF;
  END IF;
  IF v_event_id IS NOT NULL THEN
    PERFORM "public"."check_link_same_parent_event_ancestors_large"(NULL, NULL, v_event_id, v_other_id, NULL);
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
  v_large pg_catalog.text[];
BEGIN
  PERFORM FROM "spector_new_links" OFFSET 63 LIMIT 1;
  IF NOT FOUND THEN
    SELECT l."event_id", l."ancestor_id"
      FROM "spector_new_links" AS l
     WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."ancestor_id"), false)
     LIMIT 1 INTO v_event_id, v_other_id;
  ELSE
    EXECUTE 'SELECT "public"."check_link_same_parent_event_ancestors_large"(pg_catalog.count(*), NULL, NULL, NULL, NULL) FROM "spector_new_links"' INTO v_large;
    IF v_large[1] OPERATOR(pg_catalog.=) 'smallest id' THEN
      EXECUTE v_large[2] INTO v_large;
    END IF;
    EXECUTE v_large[2] INTO v_event_id, v_other_id;
    v_large := "public"."check_link_same_parent_event_ancestors_large"(NULL, NULL, v_event_id, v_other_id, v_large);
    IF v_large[2] IS NOT NULL THEN
      EXECUTE v_large[2] INTO v_event_id, v_other_id;
    END IF;
  END IF;
  IF v_event_id IS NOT NULL THEN
    PERFORM "public"."check_link_same_parent_event_ancestors_large"(NULL, NULL, v_event_id, v_other_id, NULL);
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
DROP FUNCTION IF EXISTS "public"."check_link_same_parent_event_ancestors_large"(pg_catalog.uuid[], pg_catalog.uuid[]);
--> statement-breakpoint
ALTER TABLE "public"."event_ancestors" REPLICA IDENTITY USING INDEX "event_ancestors_event_id_ancestor_id_index";
--> statement-breakpoint
-- drizzle-spector:create-same-parent public.event_links 0bf555f1c5e88a
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_links_large"(p_rows bigint, p_min_id uuid, p_event_id uuid, p_other_id uuid, p_state text[]) RETURNS "pg_catalog"."_text" LANGUAGE plpgsql SECURITY DEFINER
  AS $spector$
DECLARE
  v_event_id pg_catalog.uuid;
  v_other_id pg_catalog.uuid;
  v_denied pg_catalog.text;
  v_message pg_catalog.text;
  v_small pg_catalog.bool;
  v_ordered pg_catalog.bool := false;
  v_plan pg_catalog.json;
  v_step pg_catalog.text;
  v_state pg_catalog.text[];
BEGIN
  IF p_state IS NOT NULL THEN
    v_step := p_state[1];
    IF pg_catalog.cardinality(p_state) OPERATOR(pg_catalog.>) 3 THEN
      PERFORM pg_catalog.set_config('enable_nestloop', p_state[4], true), pg_catalog.set_config('enable_hashjoin', p_state[5], true), pg_catalog.set_config('enable_seqscan', p_state[6], true), pg_catalog.set_config('enable_bitmapscan', p_state[7], true), pg_catalog.set_config('work_mem', p_state[8], true), pg_catalog.set_config('enable_mergejoin', p_state[9], true);
    END IF;
    IF v_step OPERATOR(pg_catalog.=) 'merge joins' AND p_event_id IS NOT NULL THEN
      v_step := 'merge joins, then primary-key lookups';
    END IF;
    RAISE DEBUG 'drizzle-spector: % checks % links with %', 'event_links', p_state[3], v_step;
    RETURN ARRAY[v_step, CASE WHEN v_step OPERATOR(pg_catalog.=) 'merge joins, then primary-key lookups' THEN 'SELECT l."event_id", l."linked_id"
  FROM "spector_new_links" AS l
 WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."linked_id"), false)
 LIMIT 1' END];
  END IF;
  IF p_rows IS NULL THEN
    v_event_id := p_event_id;
    v_other_id := p_other_id;
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
  END IF;
  v_small := ((pg_catalog.pg_relation_size('"public"."events"') OPERATOR(pg_catalog./) pg_catalog.current_setting('block_size')::pg_catalog.int8) OPERATOR(pg_catalog.*) 16) OPERATOR(pg_catalog.<=) p_rows;
  IF p_min_id IS NULL THEN
    IF v_small THEN
      SELECT coalesce((SELECT s.correlation FROM pg_catalog.pg_stats AS s
   WHERE s.schemaname OPERATOR(pg_catalog.=) 'public' AND s.tablename OPERATOR(pg_catalog.=) 'events' AND s.attname OPERATOR(pg_catalog.=) 'id'), 0) OPERATOR(pg_catalog.>=) 0.9::pg_catalog.float4 INTO v_ordered;
    END IF;
    IF NOT v_small OR v_ordered THEN
      RETURN ARRAY['smallest id', pg_catalog.concat('SELECT "public"."check_link_same_parent_event_links_large"(', p_rows, ', coalesce((SELECT least(l."event_id", l."linked_id") FROM "spector_new_links" AS l
   WHERE l."event_id" OPERATOR(pg_catalog.<) f.id OR l."linked_id" OPERATOR(pg_catalog.<) f.id ORDER BY 1 LIMIT 1), f.id), NULL, NULL, NULL)
  FROM (SELECT least(l."event_id", l."linked_id") AS id FROM (SELECT * FROM "spector_new_links" LIMIT 64) AS l ORDER BY 1 LIMIT 1) AS f')];
    END IF;
    v_step := 'hash joins';
  ELSE
    EXECUTE 'EXPLAIN (FORMAT JSON) SELECT FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) $1' INTO v_plan USING p_min_id;
    IF (v_plan OPERATOR(pg_catalog.->) 0 OPERATOR(pg_catalog.->) 'Plan' OPERATOR(pg_catalog.->>) 'Plan Rows')::pg_catalog.float8 OPERATOR(pg_catalog.<=) (p_rows OPERATOR(pg_catalog.*) 8) THEN
      v_step := 'merge joins';
    ELSIF v_small THEN
      v_step := 'hash joins';
    ELSE
      RETURN ARRAY['primary-key lookups', 'SELECT l."event_id", l."linked_id"
  FROM "spector_new_links" AS l
 WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."linked_id"), false)
 LIMIT 1', p_rows::pg_catalog.text];
    END IF;
  END IF;
  v_state := ARRAY[v_step, CASE WHEN v_step OPERATOR(pg_catalog.=) 'merge joins' THEN pg_catalog.concat('SELECT l."event_id", l."linked_id"
  FROM "spector_new_links" AS l
  LEFT JOIN ', '(SELECT "id", "parent_id" FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) ', pg_catalog.quote_literal(p_min_id), '::pg_catalog.uuid ORDER BY "id" LIMIT ', p_rows OPERATOR(pg_catalog.*) 8, ')', ' AS e ON e."id" OPERATOR(pg_catalog.=) l."event_id"
  LEFT JOIN ', '(SELECT "id", "parent_id" FROM "public"."events" WHERE "id" OPERATOR(pg_catalog.>=) ', pg_catalog.quote_literal(p_min_id), '::pg_catalog.uuid ORDER BY "id" LIMIT ', p_rows OPERATOR(pg_catalog.*) 8, ')', ' AS o ON o."id" OPERATOR(pg_catalog.=) l."linked_id"
 WHERE NOT coalesce(e."parent_id" OPERATOR(pg_catalog.=) o."parent_id", false)
 LIMIT 1') ELSE 'SELECT l."event_id", l."linked_id"
  FROM "spector_new_links" AS l
  LEFT JOIN "public"."events" AS e ON e."id" OPERATOR(pg_catalog.=) l."event_id"
  LEFT JOIN "public"."events" AS o ON o."id" OPERATOR(pg_catalog.=) l."linked_id"
 WHERE NOT coalesce(e."parent_id" OPERATOR(pg_catalog.=) o."parent_id", false)
 LIMIT 1' END, p_rows::pg_catalog.text, pg_catalog.current_setting('enable_nestloop'), pg_catalog.current_setting('enable_hashjoin'), pg_catalog.current_setting('enable_seqscan'), pg_catalog.current_setting('enable_bitmapscan'), pg_catalog.current_setting('work_mem'), pg_catalog.current_setting('enable_mergejoin')];
  IF v_step OPERATOR(pg_catalog.=) 'merge joins' THEN
    PERFORM pg_catalog.set_config('enable_nestloop', 'off', true), pg_catalog.set_config('enable_hashjoin', 'off', true), pg_catalog.set_config('enable_seqscan', 'off', true), pg_catalog.set_config('enable_bitmapscan', 'off', true), pg_catalog.set_config('work_mem', CASE WHEN pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem')) OPERATOR(pg_catalog.<) pg_catalog.pg_size_bytes('64MB') THEN '64MB' ELSE pg_catalog.current_setting('work_mem') END, true);
  ELSE
    PERFORM pg_catalog.set_config('enable_nestloop', 'off', true), pg_catalog.set_config('enable_mergejoin', 'off', true), pg_catalog.set_config('work_mem', CASE WHEN pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem')) OPERATOR(pg_catalog.<) pg_catalog.pg_size_bytes('64MB') THEN '64MB' ELSE pg_catalog.current_setting('work_mem') END, true);
  END IF;
  RETURN v_state;
END
$spector$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION "public"."check_link_same_parent_event_links_large"(p_rows bigint, p_min_id uuid, p_event_id uuid, p_other_id uuid, p_state text[]) FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_links"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  AS $spector$
DECLARE
  v_event_id pg_catalog.uuid;
  v_other_id pg_catalog.uuid;
  v_large pg_catalog.text[];
BEGIN
  PERFORM FROM "spector_new_links" OFFSET 63 LIMIT 1;
  IF NOT FOUND THEN
    SELECT l."event_id", l."linked_id"
      FROM "spector_new_links" AS l
     WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."linked_id"), false)
     LIMIT 1 INTO v_event_id, v_other_id;
  ELSE
    EXECUTE 'SELECT "public"."check_link_same_parent_event_links_large"(pg_catalog.count(*), NULL, NULL, NULL, NULL) FROM "spector_new_links"' INTO v_large;
    IF v_large[1] OPERATOR(pg_catalog.=) 'smallest id' THEN
      EXECUTE v_large[2] INTO v_large;
    END IF;
    EXECUTE v_large[2] INTO v_event_id, v_other_id;
    v_large := "public"."check_link_same_parent_event_links_large"(NULL, NULL, v_event_id, v_other_id, v_large);
    IF v_large[2] IS NOT NULL THEN
      EXECUTE v_large[2] INTO v_event_id, v_other_id;
    END IF;
  END IF;
  IF v_event_id IS NOT NULL THEN
    PERFORM "public"."check_link_same_parent_event_links_large"(NULL, NULL, v_event_id, v_other_id, NULL);
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
  v_large pg_catalog.text[];
BEGIN
  PERFORM FROM "spector_new_links" OFFSET 63 LIMIT 1;
  IF NOT FOUND THEN
    SELECT l."event_id", l."linked_id"
      FROM "spector_new_links" AS l
     WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" OPERATOR(pg_catalog.=) l."event_id")
                 OPERATOR(pg_catalog.=) (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" OPERATOR(pg_catalog.=) l."linked_id"), false)
     LIMIT 1 INTO v_event_id, v_other_id;
  ELSE
    EXECUTE 'SELECT "public"."check_link_same_parent_event_links_large"(pg_catalog.count(*), NULL, NULL, NULL, NULL) FROM "spector_new_links"' INTO v_large;
    IF v_large[1] OPERATOR(pg_catalog.=) 'smallest id' THEN
      EXECUTE v_large[2] INTO v_large;
    END IF;
    EXECUTE v_large[2] INTO v_event_id, v_other_id;
    v_large := "public"."check_link_same_parent_event_links_large"(NULL, NULL, v_event_id, v_other_id, v_large);
    IF v_large[2] IS NOT NULL THEN
      EXECUTE v_large[2] INTO v_event_id, v_other_id;
    END IF;
  END IF;
  IF v_event_id IS NOT NULL THEN
    PERFORM "public"."check_link_same_parent_event_links_large"(NULL, NULL, v_event_id, v_other_id, NULL);
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
DROP FUNCTION IF EXISTS "public"."check_link_same_parent_event_links_large"(pg_catalog.uuid[], pg_catalog.uuid[]);
--> statement-breakpoint
ALTER TABLE "public"."event_links" REPLICA IDENTITY USING INDEX "event_links_event_id_linked_id_type_index";
