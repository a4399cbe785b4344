-- drizzle-spector:create-same-parent public.event_ancestors 1aa6de908fa125
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_ancestors"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = 'pg_catalog', 'pg_temp'
  AS $spector$
DECLARE
  v_event_id uuid;
  v_other_id uuid;
  v_event_parent uuid;
  v_other_parent uuid;
  v_rows bigint;
  v_min_id uuid;
  v_smaller_id uuid;
  v_plan json;
  v_saved text[];
  v_path text := 'primary-key lookups';
BEGIN
  PERFORM FROM "spector_new_links" OFFSET 63 LIMIT 1;
  IF NOT FOUND THEN
    SELECT l."event_id", l."ancestor_id" INTO v_event_id, v_other_id
      FROM "spector_new_links" AS l
     WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" = l."event_id")
                 = (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" = l."ancestor_id"), false)
     LIMIT 1;
  ELSE
    SELECT count(*) INTO v_rows FROM "spector_new_links";
    IF pg_relation_size('"public"."events"') / current_setting('block_size')::bigint * 16 <= v_rows THEN
      v_saved := ARRAY[current_setting('enable_nestloop'), current_setting('enable_mergejoin'), current_setting('work_mem')];
      PERFORM set_config('enable_nestloop', 'off', true);
      PERFORM set_config('enable_mergejoin', 'off', true);
      PERFORM set_config('work_mem', CASE WHEN pg_size_bytes(current_setting('work_mem')) < pg_size_bytes('64MB') THEN '64MB' ELSE current_setting('work_mem') END, true);
      EXECUTE 'SELECT l."event_id", l."ancestor_id"
      FROM "spector_new_links" AS l
      LEFT JOIN "public"."events" AS e ON e."id" = l."event_id"
      LEFT JOIN "public"."events" AS o ON o."id" = l."ancestor_id"
     WHERE NOT coalesce(e."parent_id" = o."parent_id", false)
     LIMIT 1' INTO v_event_id, v_other_id;
      PERFORM set_config('enable_nestloop', v_saved[1], true);
      PERFORM set_config('enable_mergejoin', v_saved[2], true);
      PERFORM set_config('work_mem', v_saved[3], true);
      v_path := 'hash joins';
    ELSE
      SELECT least(l."event_id", l."ancestor_id") INTO v_min_id
        FROM (SELECT * FROM "spector_new_links" LIMIT 64) AS l ORDER BY 1 LIMIT 1;
      SELECT least(l."event_id", l."ancestor_id") INTO v_smaller_id
        FROM "spector_new_links" AS l WHERE l."event_id" < v_min_id OR l."ancestor_id" < v_min_id ORDER BY 1 LIMIT 1;
      IF FOUND THEN
        v_min_id := v_smaller_id;
      END IF;
      EXECUTE 'EXPLAIN (FORMAT JSON) SELECT FROM "public"."events" WHERE "id" >= $1' INTO v_plan USING v_min_id;
      IF (v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8 <= v_rows * 8 THEN
        v_saved := ARRAY[current_setting('enable_nestloop'), current_setting('enable_hashjoin'), current_setting('enable_seqscan'), current_setting('enable_bitmapscan'), current_setting('work_mem')];
        PERFORM set_config('enable_nestloop', 'off', true);
        PERFORM set_config('enable_hashjoin', 'off', true);
        PERFORM set_config('enable_seqscan', 'off', true);
        PERFORM set_config('enable_bitmapscan', 'off', true);
        PERFORM set_config('work_mem', CASE WHEN pg_size_bytes(current_setting('work_mem')) < pg_size_bytes('64MB') THEN '64MB' ELSE current_setting('work_mem') END, true);
        EXECUTE 'SELECT l."event_id", l."ancestor_id"
      FROM "spector_new_links" AS l
      LEFT JOIN (SELECT "id", "parent_id" FROM "public"."events" WHERE "id" >= $1 ORDER BY "id" LIMIT $2) AS e ON e."id" = l."event_id"
      LEFT JOIN (SELECT "id", "parent_id" FROM "public"."events" WHERE "id" >= $1 ORDER BY "id" LIMIT $2) AS o ON o."id" = l."ancestor_id"
     WHERE NOT coalesce(e."parent_id" = o."parent_id", false)
     LIMIT 1' INTO v_event_id, v_other_id USING v_min_id, v_rows * 8;
        PERFORM set_config('enable_nestloop', v_saved[1], true);
        PERFORM set_config('enable_hashjoin', v_saved[2], true);
        PERFORM set_config('enable_seqscan', v_saved[3], true);
        PERFORM set_config('enable_bitmapscan', v_saved[4], true);
        PERFORM set_config('work_mem', v_saved[5], true);
        v_path := CASE WHEN v_event_id IS NULL THEN 'merge joins' ELSE 'merge joins, then primary-key lookups' END;
      END IF;
      IF v_path <> 'merge joins' THEN
        SELECT l."event_id", l."ancestor_id" INTO v_event_id, v_other_id
          FROM "spector_new_links" AS l
         WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" = l."event_id")
                 = (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" = l."ancestor_id"), false)
         LIMIT 1;
      END IF;
    END IF;
    RAISE DEBUG 'drizzle-spector: % checks % links with %', TG_TABLE_NAME, v_rows, v_path;
  END IF;
  IF v_event_id IS NOT NULL THEN
    IF row_security_active('"public"."events"') THEN
      RAISE EXCEPTION USING
        ERRCODE = 'insufficient_privilege',
        MESSAGE = format('drizzle-spector cannot check link table %s: row-level security applies to %s, the owner of its same-parent rule, on "public"."events" (FORCE ROW LEVEL SECURITY), so the rule cannot see every event', 'event_ancestors', current_user),
        HINT = 'Let the owner of the rule''s functions bypass row-level security (ALTER ROLE ... BYPASSRLS), or do not force it on the events table.';
    END IF;
    SELECT e."parent_id" INTO v_event_parent FROM "public"."events" AS e WHERE e."id" = v_event_id;
    SELECT o."parent_id" INTO v_other_parent FROM "public"."events" AS o WHERE o."id" = v_other_id;
    RAISE EXCEPTION USING
      ERRCODE = 'check_violation',
      MESSAGE = format('Link events must have the same parent_id: %s != %s (link table %s: event_id %s, %s %s)',
                       coalesce(v_event_parent::text, 'none (no such event)'), coalesce(v_other_parent::text, 'none (no such event)'),
                       'event_ancestors', v_event_id, 'ancestor_id', v_other_id),
      SCHEMA = 'public',
      TABLE = 'event_ancestors';
  END IF;
  RETURN NULL;
END
$spector$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION "public"."check_link_same_parent_event_ancestors"() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_ancestors_update"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = 'pg_catalog', 'pg_temp'
  AS $spector$
DECLARE
  v_event_id uuid;
  v_other_id uuid;
  v_event_parent uuid;
  v_other_parent uuid;
  v_rows bigint;
  v_min_id uuid;
  v_smaller_id uuid;
  v_plan json;
  v_saved text[];
  v_path text := 'primary-key lookups';
BEGIN
  PERFORM FROM "spector_new_links" OFFSET 63 LIMIT 1;
  IF NOT FOUND THEN
    SELECT l."event_id", l."ancestor_id" INTO v_event_id, v_other_id
      FROM "spector_new_links" AS l
     WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" = l."event_id")
                 = (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" = l."ancestor_id"), false)
     LIMIT 1;
  ELSE
    SELECT count(*) INTO v_rows FROM "spector_new_links";
    IF pg_relation_size('"public"."events"') / current_setting('block_size')::bigint * 16 <= v_rows THEN
      v_saved := ARRAY[current_setting('enable_nestloop'), current_setting('enable_mergejoin'), current_setting('work_mem')];
      PERFORM set_config('enable_nestloop', 'off', true);
      PERFORM set_config('enable_mergejoin', 'off', true);
      PERFORM set_config('work_mem', CASE WHEN pg_size_bytes(current_setting('work_mem')) < pg_size_bytes('64MB') THEN '64MB' ELSE current_setting('work_mem') END, true);
      EXECUTE 'SELECT l."event_id", l."ancestor_id"
      FROM "spector_new_links" AS l
      LEFT JOIN "public"."events" AS e ON e."id" = l."event_id"
      LEFT JOIN "public"."events" AS o ON o."id" = l."ancestor_id"
     WHERE NOT coalesce(e."parent_id" = o."parent_id", false)
     LIMIT 1' INTO v_event_id, v_other_id;
      PERFORM set_config('enable_nestloop', v_saved[1], true);
      PERFORM set_config('enable_mergejoin', v_saved[2], true);
      PERFORM set_config('work_mem', v_saved[3], true);
      v_path := 'hash joins';
    ELSE
      SELECT least(l."event_id", l."ancestor_id") INTO v_min_id
        FROM (SELECT * FROM "spector_new_links" LIMIT 64) AS l ORDER BY 1 LIMIT 1;
      SELECT least(l."event_id", l."ancestor_id") INTO v_smaller_id
        FROM "spector_new_links" AS l WHERE l."event_id" < v_min_id OR l."ancestor_id" < v_min_id ORDER BY 1 LIMIT 1;
      IF FOUND THEN
        v_min_id := v_smaller_id;
      END IF;
      EXECUTE 'EXPLAIN (FORMAT JSON) SELECT FROM "public"."events" WHERE "id" >= $1' INTO v_plan USING v_min_id;
      IF (v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8 <= v_rows * 8 THEN
        v_saved := ARRAY[current_setting('enable_nestloop'), current_setting('enable_hashjoin'), current_setting('enable_seqscan'), current_setting('enable_bitmapscan'), current_setting('work_mem')];
        PERFORM set_config('enable_nestloop', 'off', true);
        PERFORM set_config('enable_hashjoin', 'off', true);
        PERFORM set_config('enable_seqscan', 'off', true);
        PERFORM set_config('enable_bitmapscan', 'off', true);
        PERFORM set_config('work_mem', CASE WHEN pg_size_bytes(current_setting('work_mem')) < pg_size_bytes('64MB') THEN '64MB' ELSE current_setting('work_mem') END, true);
        EXECUTE 'SELECT l."event_id", l."ancestor_id"
      FROM "spector_new_links" AS l
      LEFT JOIN (SELECT "id", "parent_id" FROM "public"."events" WHERE "id" >= $1 ORDER BY "id" LIMIT $2) AS e ON e."id" = l."event_id"
      LEFT JOIN (SELECT "id", "parent_id" FROM "public"."events" WHERE "id" >= $1 ORDER BY "id" LIMIT $2) AS o ON o."id" = l."ancestor_id"
     WHERE NOT coalesce(e."parent_id" = o."parent_id", false)
     LIMIT 1' INTO v_event_id, v_other_id USING v_min_id, v_rows * 8;
        PERFORM set_config('enable_nestloop', v_saved[1], true);
        PERFORM set_config('enable_hashjoin', v_saved[2], true);
        PERFORM set_config('enable_seqscan', v_saved[3], true);
        PERFORM set_config('enable_bitmapscan', v_saved[4], true);
        PERFORM set_config('work_mem', v_saved[5], true);
        v_path := CASE WHEN v_event_id IS NULL THEN 'merge joins' ELSE 'merge joins, then primary-key lookups' END;
      END IF;
      IF v_path <> 'merge joins' THEN
        SELECT l."event_id", l."ancestor_id" INTO v_event_id, v_other_id
          FROM "spector_new_links" AS l
         WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" = l."event_id")
                 = (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" = l."ancestor_id"), false)
         LIMIT 1;
      END IF;
    END IF;
    RAISE DEBUG 'drizzle-spector: % checks % links with %', TG_TABLE_NAME, v_rows, v_path;
  END IF;
  IF v_event_id IS NOT NULL THEN
    IF row_security_active('"public"."events"') THEN
      RAISE EXCEPTION USING
        ERRCODE = 'insufficient_privilege',
        MESSAGE = format('drizzle-spector cannot check link table %s: row-level security applies to %s, the owner of its same-parent rule, on "public"."events" (FORCE ROW LEVEL SECURITY), so the rule cannot see every event', 'event_ancestors', current_user),
        HINT = 'Let the owner of the rule''s functions bypass row-level security (ALTER ROLE ... BYPASSRLS), or do not force it on the events table.';
    END IF;
    SELECT e."parent_id" INTO v_event_parent FROM "public"."events" AS e WHERE e."id" = v_event_id;
    SELECT o."parent_id" INTO v_other_parent FROM "public"."events" AS o WHERE o."id" = v_other_id;
    RAISE EXCEPTION USING
      ERRCODE = 'check_violation',
      MESSAGE = format('Link events must have the same parent_id: %s != %s (link table %s: event_id %s, %s %s)',
                       coalesce(v_event_parent::text, 'none (no such event)'), coalesce(v_other_parent::text, 'none (no such event)'),
                       'event_ancestors', v_event_id, 'ancestor_id', v_other_id),
      SCHEMA = 'public',
      TABLE = 'event_ancestors';
  END IF;
  RETURN NULL;
END
$spector$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION "public"."check_link_same_parent_event_ancestors_update"() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_ancestors_events"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = 'pg_catalog', 'pg_temp'
  AS $spector$
DECLARE
  v_event_id uuid;
  v_other_id uuid;
  v_event_parent uuid;
  v_other_parent uuid;
BEGIN
  IF to_regclass('"public"."event_ancestors"') IS NULL THEN
    RETURN NULL;
  END IF;
  EXECUTE 'SELECT l."event_id", l."ancestor_id"
      FROM "public"."event_ancestors" AS l
     WHERE (l."event_id" = $1 OR l."ancestor_id" = $1)
       AND NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" = l."event_id")
                 = (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" = l."ancestor_id"), false)
     LIMIT 1' INTO v_event_id, v_other_id USING NEW."id";
  IF v_event_id IS NOT NULL THEN
    IF row_security_active('"public"."events"') THEN
      RAISE EXCEPTION USING
        ERRCODE = 'insufficient_privilege',
        MESSAGE = format('drizzle-spector cannot check link table %s: row-level security applies to %s, the owner of its same-parent rule, on "public"."events" (FORCE ROW LEVEL SECURITY), so the rule cannot see every event', 'event_ancestors', current_user),
        HINT = 'Let the owner of the rule''s functions bypass row-level security (ALTER ROLE ... BYPASSRLS), or do not force it on the events table.';
    END IF;
    SELECT e."parent_id" INTO v_event_parent FROM "public"."events" AS e WHERE e."id" = v_event_id;
    SELECT o."parent_id" INTO v_other_parent FROM "public"."events" AS o WHERE o."id" = v_other_id;
    RAISE EXCEPTION USING
      ERRCODE = 'check_violation',
      MESSAGE = format('Link events must have the same parent_id: %s != %s (link table %s: event_id %s, %s %s)',
                       coalesce(v_event_parent::text, 'none (no such event)'), coalesce(v_other_parent::text, 'none (no such event)'),
                       'event_ancestors', v_event_id, 'ancestor_id', v_other_id),
      SCHEMA = 'public',
      TABLE = 'event_ancestors';
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
-- drizzle-spector:create-same-parent public.event_links 10364e7588a1c7
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_links"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = 'pg_catalog', 'pg_temp'
  AS $spector$
DECLARE
  v_event_id uuid;
  v_other_id uuid;
  v_event_parent uuid;
  v_other_parent uuid;
  v_rows bigint;
  v_min_id uuid;
  v_smaller_id uuid;
  v_plan json;
  v_saved text[];
  v_path text := 'primary-key lookups';
BEGIN
  PERFORM FROM "spector_new_links" OFFSET 63 LIMIT 1;
  IF NOT FOUND THEN
    SELECT l."event_id", l."linked_id" INTO v_event_id, v_other_id
      FROM "spector_new_links" AS l
     WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" = l."event_id")
                 = (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" = l."linked_id"), false)
     LIMIT 1;
  ELSE
    SELECT count(*) INTO v_rows FROM "spector_new_links";
    IF pg_relation_size('"public"."events"') / current_setting('block_size')::bigint * 16 <= v_rows THEN
      v_saved := ARRAY[current_setting('enable_nestloop'), current_setting('enable_mergejoin'), current_setting('work_mem')];
      PERFORM set_config('enable_nestloop', 'off', true);
      PERFORM set_config('enable_mergejoin', 'off', true);
      PERFORM set_config('work_mem', CASE WHEN pg_size_bytes(current_setting('work_mem')) < pg_size_bytes('64MB') THEN '64MB' ELSE current_setting('work_mem') END, true);
      EXECUTE 'SELECT l."event_id", l."linked_id"
      FROM "spector_new_links" AS l
      LEFT JOIN "public"."events" AS e ON e."id" = l."event_id"
      LEFT JOIN "public"."events" AS o ON o."id" = l."linked_id"
     WHERE NOT coalesce(e."parent_id" = o."parent_id", false)
     LIMIT 1' INTO v_event_id, v_other_id;
      PERFORM set_config('enable_nestloop', v_saved[1], true);
      PERFORM set_config('enable_mergejoin', v_saved[2], true);
      PERFORM set_config('work_mem', v_saved[3], true);
      v_path := 'hash joins';
    ELSE
      SELECT least(l."event_id", l."linked_id") INTO v_min_id
        FROM (SELECT * FROM "spector_new_links" LIMIT 64) AS l ORDER BY 1 LIMIT 1;
      SELECT least(l."event_id", l."linked_id") INTO v_smaller_id
        FROM "spector_new_links" AS l WHERE l."event_id" < v_min_id OR l."linked_id" < v_min_id ORDER BY 1 LIMIT 1;
      IF FOUND THEN
        v_min_id := v_smaller_id;
      END IF;
      EXECUTE 'EXPLAIN (FORMAT JSON) SELECT FROM "public"."events" WHERE "id" >= $1' INTO v_plan USING v_min_id;
      IF (v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8 <= v_rows * 8 THEN
        v_saved := ARRAY[current_setting('enable_nestloop'), current_setting('enable_hashjoin'), current_setting('enable_seqscan'), current_setting('enable_bitmapscan'), current_setting('work_mem')];
        PERFORM set_config('enable_nestloop', 'off', true);
        PERFORM set_config('enable_hashjoin', 'off', true);
        PERFORM set_config('enable_seqscan', 'off', true);
        PERFORM set_config('enable_bitmapscan', 'off', true);
        PERFORM set_config('work_mem', CASE WHEN pg_size_bytes(current_setting('work_mem')) < pg_size_bytes('64MB') THEN '64MB' ELSE current_setting('work_mem') END, true);
        EXECUTE 'SELECT l."event_id", l."linked_id"
      FROM "spector_new_links" AS l
      LEFT JOIN (SELECT "id", "parent_id" FROM "public"."events" WHERE "id" >= $1 ORDER BY "id" LIMIT $2) AS e ON e."id" = l."event_id"
      LEFT JOIN (SELECT "id", "parent_id" FROM "public"."events" WHERE "id" >= $1 ORDER BY "id" LIMIT $2) AS o ON o."id" = l."linked_id"
     WHERE NOT coalesce(e."parent_id" = o."parent_id", false)
     LIMIT 1' INTO v_event_id, v_other_id USING v_min_id, v_rows * 8;
        PERFORM set_config('enable_nestloop', v_saved[1], true);
        PERFORM set_config('enable_hashjoin', v_saved[2], true);
        PERFORM set_config('enable_seqscan', v_saved[3], true);
        PERFORM set_config('enable_bitmapscan', v_saved[4], true);
        PERFORM set_config('work_mem', v_saved[5], true);
        v_path := CASE WHEN v_event_id IS NULL THEN 'merge joins' ELSE 'merge joins, then primary-key lookups' END;
      END IF;
      IF v_path <> 'merge joins' THEN
        SELECT l."event_id", l."linked_id" INTO v_event_id, v_other_id
          FROM "spector_new_links" AS l
         WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" = l."event_id")
                 = (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" = l."linked_id"), false)
         LIMIT 1;
      END IF;
    END IF;
    RAISE DEBUG 'drizzle-spector: % checks % links with %', TG_TABLE_NAME, v_rows, v_path;
  END IF;
  IF v_event_id IS NOT NULL THEN
    IF row_security_active('"public"."events"') THEN
      RAISE EXCEPTION USING
        ERRCODE = 'insufficient_privilege',
        MESSAGE = format('drizzle-spector cannot check link table %s: row-level security applies to %s, the owner of its same-parent rule, on "public"."events" (FORCE ROW LEVEL SECURITY), so the rule cannot see every event', 'event_links', current_user),
        HINT = 'Let the owner of the rule''s functions bypass row-level security (ALTER ROLE ... BYPASSRLS), or do not force it on the events table.';
    END IF;
    SELECT e."parent_id" INTO v_event_parent FROM "public"."events" AS e WHERE e."id" = v_event_id;
    SELECT o."parent_id" INTO v_other_parent FROM "public"."events" AS o WHERE o."id" = v_other_id;
    RAISE EXCEPTION USING
      ERRCODE = 'check_violation',
      MESSAGE = format('Link events must have the same parent_id: %s != %s (link table %s: event_id %s, %s %s)',
                       coalesce(v_event_parent::text, 'none (no such event)'), coalesce(v_other_parent::text, 'none (no such event)'),
                       'event_links', v_event_id, 'linked_id', v_other_id),
      SCHEMA = 'public',
      TABLE = 'event_links';
  END IF;
  RETURN NULL;
END
$spector$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION "public"."check_link_same_parent_event_links"() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_links_update"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = 'pg_catalog', 'pg_temp'
  AS $spector$
DECLARE
  v_event_id uuid;
  v_other_id uuid;
  v_event_parent uuid;
  v_other_parent uuid;
  v_rows bigint;
  v_min_id uuid;
  v_smaller_id uuid;
  v_plan json;
  v_saved text[];
  v_path text := 'primary-key lookups';
BEGIN
  PERFORM FROM "spector_new_links" OFFSET 63 LIMIT 1;
  IF NOT FOUND THEN
    SELECT l."event_id", l."linked_id" INTO v_event_id, v_other_id
      FROM "spector_new_links" AS l
     WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" = l."event_id")
                 = (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" = l."linked_id"), false)
     LIMIT 1;
  ELSE
    SELECT count(*) INTO v_rows FROM "spector_new_links";
    IF pg_relation_size('"public"."events"') / current_setting('block_size')::bigint * 16 <= v_rows THEN
      v_saved := ARRAY[current_setting('enable_nestloop'), current_setting('enable_mergejoin'), current_setting('work_mem')];
      PERFORM set_config('enable_nestloop', 'off', true);
      PERFORM set_config('enable_mergejoin', 'off', true);
      PERFORM set_config('work_mem', CASE WHEN pg_size_bytes(current_setting('work_mem')) < pg_size_bytes('64MB') THEN '64MB' ELSE current_setting('work_mem') END, true);
      EXECUTE 'SELECT l."event_id", l."linked_id"
      FROM "spector_new_links" AS l
      LEFT JOIN "public"."events" AS e ON e."id" = l."event_id"
      LEFT JOIN "public"."events" AS o ON o."id" = l."linked_id"
     WHERE NOT coalesce(e."parent_id" = o."parent_id", false)
     LIMIT 1' INTO v_event_id, v_other_id;
      PERFORM set_config('enable_nestloop', v_saved[1], true);
      PERFORM set_config('enable_mergejoin', v_saved[2], true);
      PERFORM set_config('work_mem', v_saved[3], true);
      v_path := 'hash joins';
    ELSE
      SELECT least(l."event_id", l."linked_id") INTO v_min_id
        FROM (SELECT * FROM "spector_new_links" LIMIT 64) AS l ORDER BY 1 LIMIT 1;
      SELECT least(l."event_id", l."linked_id") INTO v_smaller_id
        FROM "spector_new_links" AS l WHERE l."event_id" < v_min_id OR l."linked_id" < v_min_id ORDER BY 1 LIMIT 1;
      IF FOUND THEN
        v_min_id := v_smaller_id;
      END IF;
      EXECUTE 'EXPLAIN (FORMAT JSON) SELECT FROM "public"."events" WHERE "id" >= $1' INTO v_plan USING v_min_id;
      IF (v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8 <= v_rows * 8 THEN
        v_saved := ARRAY[current_setting('enable_nestloop'), current_setting('enable_hashjoin'), current_setting('enable_seqscan'), current_setting('enable_bitmapscan'), current_setting('work_mem')];
        PERFORM set_config('enable_nestloop', 'off', true);
        PERFORM set_config('enable_hashjoin', 'off', true);
        PERFORM set_config('enable_seqscan', 'off', true);
        PERFORM set_config('enable_bitmapscan', 'off', true);
        PERFORM set_config('work_mem', CASE WHEN pg_size_bytes(current_setting('work_mem')) < pg_size_bytes('64MB') THEN '64MB' ELSE current_setting('work_mem') END, true);
        EXECUTE 'SELECT l."event_id", l."linked_id"
      FROM "spector_new_links" AS l
      LEFT JOIN (SELECT "id", "parent_id" FROM "public"."events" WHERE "id" >= $1 ORDER BY "id" LIMIT $2) AS e ON e."id" = l."event_id"
      LEFT JOIN (SELECT "id", "parent_id" FROM "public"."events" WHERE "id" >= $1 ORDER BY "id" LIMIT $2) AS o ON o."id" = l."linked_id"
     WHERE NOT coalesce(e."parent_id" = o."parent_id", false)
     LIMIT 1' INTO v_event_id, v_other_id USING v_min_id, v_rows * 8;
        PERFORM set_config('enable_nestloop', v_saved[1], true);
        PERFORM set_config('enable_hashjoin', v_saved[2], true);
        PERFORM set_config('enable_seqscan', v_saved[3], true);
        PERFORM set_config('enable_bitmapscan', v_saved[4], true);
        PERFORM set_config('work_mem', v_saved[5], true);
        v_path := CASE WHEN v_event_id IS NULL THEN 'merge joins' ELSE 'merge joins, then primary-key lookups' END;
      END IF;
      IF v_path <> 'merge joins' THEN
        SELECT l."event_id", l."linked_id" INTO v_event_id, v_other_id
          FROM "spector_new_links" AS l
         WHERE NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" = l."event_id")
                 = (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" = l."linked_id"), false)
         LIMIT 1;
      END IF;
    END IF;
    RAISE DEBUG 'drizzle-spector: % checks % links with %', TG_TABLE_NAME, v_rows, v_path;
  END IF;
  IF v_event_id IS NOT NULL THEN
    IF row_security_active('"public"."events"') THEN
      RAISE EXCEPTION USING
        ERRCODE = 'insufficient_privilege',
        MESSAGE = format('drizzle-spector cannot check link table %s: row-level security applies to %s, the owner of its same-parent rule, on "public"."events" (FORCE ROW LEVEL SECURITY), so the rule cannot see every event', 'event_links', current_user),
        HINT = 'Let the owner of the rule''s functions bypass row-level security (ALTER ROLE ... BYPASSRLS), or do not force it on the events table.';
    END IF;
    SELECT e."parent_id" INTO v_event_parent FROM "public"."events" AS e WHERE e."id" = v_event_id;
    SELECT o."parent_id" INTO v_other_parent FROM "public"."events" AS o WHERE o."id" = v_other_id;
    RAISE EXCEPTION USING
      ERRCODE = 'check_violation',
      MESSAGE = format('Link events must have the same parent_id: %s != %s (link table %s: event_id %s, %s %s)',
                       coalesce(v_event_parent::text, 'none (no such event)'), coalesce(v_other_parent::text, 'none (no such event)'),
                       'event_links', v_event_id, 'linked_id', v_other_id),
      SCHEMA = 'public',
      TABLE = 'event_links';
  END IF;
  RETURN NULL;
END
$spector$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION "public"."check_link_same_parent_event_links_update"() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_links_events"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = 'pg_catalog', 'pg_temp'
  AS $spector$
DECLARE
  v_event_id uuid;
  v_other_id uuid;
  v_event_parent uuid;
  v_other_parent uuid;
BEGIN
  IF to_regclass('"public"."event_links"') IS NULL THEN
    RETURN NULL;
  END IF;
  EXECUTE 'SELECT l."event_id", l."linked_id"
      FROM "public"."event_links" AS l
     WHERE (l."event_id" = $1 OR l."linked_id" = $1)
       AND NOT coalesce((SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" = l."event_id")
                 = (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" = l."linked_id"), false)
     LIMIT 1' INTO v_event_id, v_other_id USING NEW."id";
  IF v_event_id IS NOT NULL THEN
    IF row_security_active('"public"."events"') THEN
      RAISE EXCEPTION USING
        ERRCODE = 'insufficient_privilege',
        MESSAGE = format('drizzle-spector cannot check link table %s: row-level security applies to %s, the owner of its same-parent rule, on "public"."events" (FORCE ROW LEVEL SECURITY), so the rule cannot see every event', 'event_links', current_user),
        HINT = 'Let the owner of the rule''s functions bypass row-level security (ALTER ROLE ... BYPASSRLS), or do not force it on the events table.';
    END IF;
    SELECT e."parent_id" INTO v_event_parent FROM "public"."events" AS e WHERE e."id" = v_event_id;
    SELECT o."parent_id" INTO v_other_parent FROM "public"."events" AS o WHERE o."id" = v_other_id;
    RAISE EXCEPTION USING
      ERRCODE = 'check_violation',
      MESSAGE = format('Link events must have the same parent_id: %s != %s (link table %s: event_id %s, %s %s)',
                       coalesce(v_event_parent::text, 'none (no such event)'), coalesce(v_other_parent::text, 'none (no such event)'),
                       'event_links', v_event_id, 'linked_id', v_other_id),
      SCHEMA = 'public',
      TABLE = 'event_links';
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
-- drizzle-spector:create-record-chain public.ledger 03f8404e1c8d29
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
  v_next bytea;
  v_byte int;
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
  UPDATE "public"."ledger_heads" AS h
     SET "last_id" = NEW."id",
         "last_hash" = pg_catalog.sha256(coalesce(h."last_hash", ''::pg_catalog.bytea) OPERATOR(pg_catalog.||) pg_catalog.sha256(pg_catalog.convert_to(NEW."id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."parent_id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."schema"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."action"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) coalesce(pg_catalog.to_char(NEW."inserted_at", 'YYYY-MM-DD HH24:MI:SS.US') OPERATOR(pg_catalog.||) CASE WHEN NEW."inserted_at" OPERATOR(pg_catalog.<) '0001-01-01'::pg_catalog.timestamp THEN ' BC' ELSE '' END, NEW."inserted_at"::pg_catalog.text) OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) coalesce(NEW."payload"::pg_catalog.text, ''), 'UTF8'))),
         "event_count" = h."event_count" + 1
   WHERE h."parent_id" = NEW."parent_id" AND h."last_id" < NEW."id"
  RETURNING h."last_hash" INTO v_last_hash;
  IF FOUND THEN
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
    IF NEW."id" <= v_last_id THEN
      v_next := uuid_send(v_last_id);
      LOOP
        FOR i IN REVERSE 15..0 LOOP
          v_byte := get_byte(v_next, i);
          IF v_byte < 255 THEN
            v_next := set_byte(v_next, i, v_byte + 1);
            EXIT;
          END IF;
          IF i = 0 THEN
            RAISE EXCEPTION USING ERRCODE = '22003',
        MESSAGE = format('drizzle-spector: record %s of %s has no id left after its last one', NEW."parent_id", '"public"."ledger"'),
        SCHEMA = 'public', TABLE = 'ledger';
          END IF;
          v_next := set_byte(v_next, i, 0);
        END LOOP;
        NEW."id" := encode(v_next, 'hex')::uuid;
        EXIT WHEN NOT EXISTS (SELECT FROM "public"."ledger" AS e WHERE e."id" = NEW."id");
      END LOOP;
    END IF;
    NEW."hash" := pg_catalog.sha256(coalesce(v_last_hash, ''::pg_catalog.bytea) OPERATOR(pg_catalog.||) pg_catalog.sha256(pg_catalog.convert_to(NEW."id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."parent_id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."schema"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."action"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) coalesce(pg_catalog.to_char(NEW."inserted_at", 'YYYY-MM-DD HH24:MI:SS.US') OPERATOR(pg_catalog.||) CASE WHEN NEW."inserted_at" OPERATOR(pg_catalog.<) '0001-01-01'::pg_catalog.timestamp THEN ' BC' ELSE '' END, NEW."inserted_at"::pg_catalog.text) OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) coalesce(NEW."payload"::pg_catalog.text, ''), 'UTF8')));
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
  NEW."hash" := pg_catalog.sha256(coalesce(NULL, ''::pg_catalog.bytea) OPERATOR(pg_catalog.||) pg_catalog.sha256(pg_catalog.convert_to(NEW."id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."parent_id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."schema"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."action"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) coalesce(pg_catalog.to_char(NEW."inserted_at", 'YYYY-MM-DD HH24:MI:SS.US') OPERATOR(pg_catalog.||) CASE WHEN NEW."inserted_at" OPERATOR(pg_catalog.<) '0001-01-01'::pg_catalog.timestamp THEN ' BC' ELSE '' END, NEW."inserted_at"::pg_catalog.text) OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) coalesce(NEW."payload"::pg_catalog.text, ''), 'UTF8')));
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
CREATE OR REPLACE TRIGGER "record_chain_ledger" BEFORE INSERT ON "public"."ledger"
  FOR EACH ROW EXECUTE FUNCTION "public"."record_chain_ledger"();
--> statement-breakpoint
-- drizzle-spector:create-append-only public.ledger 0b04883803dc7b
CREATE OR REPLACE FUNCTION "public"."append_only_ledger"() RETURNS trigger LANGUAGE plpgsql
  SET search_path = 'pg_catalog', 'pg_temp'
  AS $spector$
BEGIN
  RAISE EXCEPTION USING
    ERRCODE = '2F002',
    MESSAGE = format('drizzle-spector: %s is append-only: %s is refused', '"public"."ledger"', TG_OP),
    HINT = 'Events are never changed. To erase data, a role that may alter the table lifts the guard for one transaction: ALTER TABLE "public"."ledger" DISABLE TRIGGER append_only_ledger, then ENABLE ALWAYS TRIGGER append_only_ledger before COMMIT (see the README).',
    SCHEMA = 'public',
    TABLE = 'ledger';
END
$spector$;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER "append_only_ledger" BEFORE DELETE OR UPDATE OR TRUNCATE ON "public"."ledger"
  FOR EACH STATEMENT EXECUTE FUNCTION "public"."append_only_ledger"();
--> statement-breakpoint
ALTER TABLE "public"."ledger" ENABLE ALWAYS TRIGGER "append_only_ledger";
