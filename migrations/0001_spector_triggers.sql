-- drizzle-spector:create-same-parent public.event_ancestors 037bfc333141d2
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_ancestors"() RETURNS trigger LANGUAGE plpgsql AS $spector$
DECLARE
  v_event_id uuid;
  v_other_id uuid;
  v_event_parent uuid;
  v_other_parent uuid;
  v_merge boolean := false;
  v_min_id uuid;
  v_smaller_id uuid;
  v_plan json;
  v_needed bigint;
  v_nestloop text;
  v_hashjoin text;
  v_work_mem text;
BEGIN
  PERFORM FROM "spector_new_links" OFFSET 63 LIMIT 1;
  IF FOUND THEN
    SELECT least(l."event_id", l."ancestor_id") INTO v_min_id
      FROM (SELECT * FROM "spector_new_links" LIMIT 64) AS l ORDER BY 1 LIMIT 1;
    SELECT least(l."event_id", l."ancestor_id") INTO v_smaller_id
      FROM "spector_new_links" AS l WHERE l."event_id" < v_min_id OR l."ancestor_id" < v_min_id ORDER BY 1 LIMIT 1;
    IF FOUND THEN
      v_min_id := v_smaller_id;
    END IF;
    EXECUTE 'EXPLAIN (FORMAT JSON) SELECT FROM "public"."events" WHERE "id" >= $1' INTO v_plan USING v_min_id;
    v_needed := ceil((v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8 / 8);
    v_merge := coalesce((SELECT count(*) FROM (SELECT FROM "spector_new_links" LIMIT v_needed) AS enough) >= v_needed, false);
    RAISE DEBUG 'drizzle-spector: % checks % or more links with %', TG_TABLE_NAME, 64,
      CASE WHEN v_merge THEN 'merge joins' ELSE 'primary-key lookups' END;
  END IF;
  IF NOT v_merge THEN
    SELECT l."event_id", l."ancestor_id" INTO v_event_id, v_other_id
      FROM "spector_new_links" AS l
     WHERE (SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" = l."event_id")
           IS DISTINCT FROM (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" = l."ancestor_id")
     LIMIT 1;
  ELSE
    v_nestloop := current_setting('enable_nestloop');
    v_hashjoin := current_setting('enable_hashjoin');
    v_work_mem := current_setting('work_mem');
    PERFORM set_config('enable_nestloop', 'off', true);
    PERFORM set_config('enable_hashjoin', 'off', true);
    IF pg_size_bytes(v_work_mem) < pg_size_bytes('64MB') THEN
      PERFORM set_config('work_mem', '64MB', true);
    END IF;
    EXECUTE 'SELECT l."event_id", l."ancestor_id"
      FROM "spector_new_links" AS l
      LEFT JOIN "public"."events" AS e ON e."id" = l."event_id" AND e."id" >= $1
      LEFT JOIN "public"."events" AS o ON o."id" = l."ancestor_id" AND o."id" >= $1
     WHERE e."parent_id" IS DISTINCT FROM o."parent_id"
     LIMIT 1' INTO v_event_id, v_other_id USING v_min_id;
    PERFORM set_config('enable_nestloop', v_nestloop, true);
    PERFORM set_config('enable_hashjoin', v_hashjoin, true);
    PERFORM set_config('work_mem', v_work_mem, true);
  END IF;
  IF v_event_id IS NOT NULL THEN
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
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_ancestors_update"() RETURNS trigger LANGUAGE plpgsql AS $spector$
DECLARE
  v_event_id uuid;
  v_other_id uuid;
  v_event_parent uuid;
  v_other_parent uuid;
  v_merge boolean := false;
  v_min_id uuid;
  v_smaller_id uuid;
  v_plan json;
  v_needed bigint;
  v_nestloop text;
  v_hashjoin text;
  v_work_mem text;
BEGIN
  PERFORM FROM "spector_new_links" OFFSET 63 LIMIT 1;
  IF FOUND THEN
    SELECT least(l."event_id", l."ancestor_id") INTO v_min_id
      FROM (SELECT * FROM "spector_new_links" LIMIT 64) AS l ORDER BY 1 LIMIT 1;
    SELECT least(l."event_id", l."ancestor_id") INTO v_smaller_id
      FROM "spector_new_links" AS l WHERE l."event_id" < v_min_id OR l."ancestor_id" < v_min_id ORDER BY 1 LIMIT 1;
    IF FOUND THEN
      v_min_id := v_smaller_id;
    END IF;
    EXECUTE 'EXPLAIN (FORMAT JSON) SELECT FROM "public"."events" WHERE "id" >= $1' INTO v_plan USING v_min_id;
    v_needed := ceil((v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8 / 8);
    v_merge := coalesce((SELECT count(*) FROM (SELECT FROM "spector_new_links" LIMIT v_needed) AS enough) >= v_needed, false);
    RAISE DEBUG 'drizzle-spector: % checks % or more links with %', TG_TABLE_NAME, 64,
      CASE WHEN v_merge THEN 'merge joins' ELSE 'primary-key lookups' END;
  END IF;
  IF NOT v_merge THEN
    SELECT l."event_id", l."ancestor_id" INTO v_event_id, v_other_id
      FROM "spector_new_links" AS l
     WHERE (SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" = l."event_id")
           IS DISTINCT FROM (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" = l."ancestor_id")
     LIMIT 1;
  ELSE
    v_nestloop := current_setting('enable_nestloop');
    v_hashjoin := current_setting('enable_hashjoin');
    v_work_mem := current_setting('work_mem');
    PERFORM set_config('enable_nestloop', 'off', true);
    PERFORM set_config('enable_hashjoin', 'off', true);
    IF pg_size_bytes(v_work_mem) < pg_size_bytes('64MB') THEN
      PERFORM set_config('work_mem', '64MB', true);
    END IF;
    EXECUTE 'SELECT l."event_id", l."ancestor_id"
      FROM "spector_new_links" AS l
      LEFT JOIN "public"."events" AS e ON e."id" = l."event_id" AND e."id" >= $1
      LEFT JOIN "public"."events" AS o ON o."id" = l."ancestor_id" AND o."id" >= $1
     WHERE e."parent_id" IS DISTINCT FROM o."parent_id"
     LIMIT 1' INTO v_event_id, v_other_id USING v_min_id;
    PERFORM set_config('enable_nestloop', v_nestloop, true);
    PERFORM set_config('enable_hashjoin', v_hashjoin, true);
    PERFORM set_config('work_mem', v_work_mem, true);
  END IF;
  IF v_event_id IS NOT NULL THEN
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
CREATE OR REPLACE TRIGGER "enforce_same_parent_event_ancestors" AFTER INSERT ON "public"."event_ancestors"
  REFERENCING NEW TABLE AS "spector_new_links"
  FOR EACH STATEMENT EXECUTE FUNCTION "public"."check_link_same_parent_event_ancestors"();
--> statement-breakpoint
CREATE OR REPLACE TRIGGER "enforce_same_parent_event_ancestors_update" AFTER UPDATE ON "public"."event_ancestors"
  REFERENCING NEW TABLE AS "spector_new_links"
  FOR EACH STATEMENT EXECUTE FUNCTION "public"."check_link_same_parent_event_ancestors_update"();
--> statement-breakpoint
-- drizzle-spector:create-same-parent public.event_links 0e2de439d63888
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_links"() RETURNS trigger LANGUAGE plpgsql AS $spector$
DECLARE
  v_event_id uuid;
  v_other_id uuid;
  v_event_parent uuid;
  v_other_parent uuid;
  v_merge boolean := false;
  v_min_id uuid;
  v_smaller_id uuid;
  v_plan json;
  v_needed bigint;
  v_nestloop text;
  v_hashjoin text;
  v_work_mem text;
BEGIN
  PERFORM FROM "spector_new_links" OFFSET 63 LIMIT 1;
  IF FOUND THEN
    SELECT least(l."event_id", l."linked_id") INTO v_min_id
      FROM (SELECT * FROM "spector_new_links" LIMIT 64) AS l ORDER BY 1 LIMIT 1;
    SELECT least(l."event_id", l."linked_id") INTO v_smaller_id
      FROM "spector_new_links" AS l WHERE l."event_id" < v_min_id OR l."linked_id" < v_min_id ORDER BY 1 LIMIT 1;
    IF FOUND THEN
      v_min_id := v_smaller_id;
    END IF;
    EXECUTE 'EXPLAIN (FORMAT JSON) SELECT FROM "public"."events" WHERE "id" >= $1' INTO v_plan USING v_min_id;
    v_needed := ceil((v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8 / 8);
    v_merge := coalesce((SELECT count(*) FROM (SELECT FROM "spector_new_links" LIMIT v_needed) AS enough) >= v_needed, false);
    RAISE DEBUG 'drizzle-spector: % checks % or more links with %', TG_TABLE_NAME, 64,
      CASE WHEN v_merge THEN 'merge joins' ELSE 'primary-key lookups' END;
  END IF;
  IF NOT v_merge THEN
    SELECT l."event_id", l."linked_id" INTO v_event_id, v_other_id
      FROM "spector_new_links" AS l
     WHERE (SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" = l."event_id")
           IS DISTINCT FROM (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" = l."linked_id")
     LIMIT 1;
  ELSE
    v_nestloop := current_setting('enable_nestloop');
    v_hashjoin := current_setting('enable_hashjoin');
    v_work_mem := current_setting('work_mem');
    PERFORM set_config('enable_nestloop', 'off', true);
    PERFORM set_config('enable_hashjoin', 'off', true);
    IF pg_size_bytes(v_work_mem) < pg_size_bytes('64MB') THEN
      PERFORM set_config('work_mem', '64MB', true);
    END IF;
    EXECUTE 'SELECT l."event_id", l."linked_id"
      FROM "spector_new_links" AS l
      LEFT JOIN "public"."events" AS e ON e."id" = l."event_id" AND e."id" >= $1
      LEFT JOIN "public"."events" AS o ON o."id" = l."linked_id" AND o."id" >= $1
     WHERE e."parent_id" IS DISTINCT FROM o."parent_id"
     LIMIT 1' INTO v_event_id, v_other_id USING v_min_id;
    PERFORM set_config('enable_nestloop', v_nestloop, true);
    PERFORM set_config('enable_hashjoin', v_hashjoin, true);
    PERFORM set_config('work_mem', v_work_mem, true);
  END IF;
  IF v_event_id IS NOT NULL THEN
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
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_links_update"() RETURNS trigger LANGUAGE plpgsql AS $spector$
DECLARE
  v_event_id uuid;
  v_other_id uuid;
  v_event_parent uuid;
  v_other_parent uuid;
  v_merge boolean := false;
  v_min_id uuid;
  v_smaller_id uuid;
  v_plan json;
  v_needed bigint;
  v_nestloop text;
  v_hashjoin text;
  v_work_mem text;
BEGIN
  PERFORM FROM "spector_new_links" OFFSET 63 LIMIT 1;
  IF FOUND THEN
    SELECT least(l."event_id", l."linked_id") INTO v_min_id
      FROM (SELECT * FROM "spector_new_links" LIMIT 64) AS l ORDER BY 1 LIMIT 1;
    SELECT least(l."event_id", l."linked_id") INTO v_smaller_id
      FROM "spector_new_links" AS l WHERE l."event_id" < v_min_id OR l."linked_id" < v_min_id ORDER BY 1 LIMIT 1;
    IF FOUND THEN
      v_min_id := v_smaller_id;
    END IF;
    EXECUTE 'EXPLAIN (FORMAT JSON) SELECT FROM "public"."events" WHERE "id" >= $1' INTO v_plan USING v_min_id;
    v_needed := ceil((v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8 / 8);
    v_merge := coalesce((SELECT count(*) FROM (SELECT FROM "spector_new_links" LIMIT v_needed) AS enough) >= v_needed, false);
    RAISE DEBUG 'drizzle-spector: % checks % or more links with %', TG_TABLE_NAME, 64,
      CASE WHEN v_merge THEN 'merge joins' ELSE 'primary-key lookups' END;
  END IF;
  IF NOT v_merge THEN
    SELECT l."event_id", l."linked_id" INTO v_event_id, v_other_id
      FROM "spector_new_links" AS l
     WHERE (SELECT e."parent_id" FROM "public"."events" AS e WHERE e."id" = l."event_id")
           IS DISTINCT FROM (SELECT o."parent_id" FROM "public"."events" AS o WHERE o."id" = l."linked_id")
     LIMIT 1;
  ELSE
    v_nestloop := current_setting('enable_nestloop');
    v_hashjoin := current_setting('enable_hashjoin');
    v_work_mem := current_setting('work_mem');
    PERFORM set_config('enable_nestloop', 'off', true);
    PERFORM set_config('enable_hashjoin', 'off', true);
    IF pg_size_bytes(v_work_mem) < pg_size_bytes('64MB') THEN
      PERFORM set_config('work_mem', '64MB', true);
    END IF;
    EXECUTE 'SELECT l."event_id", l."linked_id"
      FROM "spector_new_links" AS l
      LEFT JOIN "public"."events" AS e ON e."id" = l."event_id" AND e."id" >= $1
      LEFT JOIN "public"."events" AS o ON o."id" = l."linked_id" AND o."id" >= $1
     WHERE e."parent_id" IS DISTINCT FROM o."parent_id"
     LIMIT 1' INTO v_event_id, v_other_id USING v_min_id;
    PERFORM set_config('enable_nestloop', v_nestloop, true);
    PERFORM set_config('enable_hashjoin', v_hashjoin, true);
    PERFORM set_config('work_mem', v_work_mem, true);
  END IF;
  IF v_event_id IS NOT NULL THEN
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
CREATE OR REPLACE TRIGGER "enforce_same_parent_event_links" AFTER INSERT ON "public"."event_links"
  REFERENCING NEW TABLE AS "spector_new_links"
  FOR EACH STATEMENT EXECUTE FUNCTION "public"."check_link_same_parent_event_links"();
--> statement-breakpoint
CREATE OR REPLACE TRIGGER "enforce_same_parent_event_links_update" AFTER UPDATE ON "public"."event_links"
  REFERENCING NEW TABLE AS "spector_new_links"
  FOR EACH STATEMENT EXECUTE FUNCTION "public"."check_link_same_parent_event_links_update"();
