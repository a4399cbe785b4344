-- drizzle-spector:create-same-parent public.event_ancestors
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_ancestors"() RETURNS trigger LANGUAGE plpgsql AS $spector$
DECLARE
  event_id uuid;
  other_id uuid;
  event_parent uuid;
  other_parent uuid;
BEGIN
  IF (SELECT count(*) FROM (SELECT FROM spector_new_links LIMIT 64) AS probe) < 64 THEN
    SELECT l.event_id, l."ancestor_id", e.parent_id, o.parent_id INTO event_id, other_id, event_parent, other_parent
      FROM spector_new_links AS l
      JOIN "public"."events" AS e ON e.id = l.event_id
      JOIN "public"."events" AS o ON o.id = l."ancestor_id"
     WHERE e.parent_id <> o.parent_id
     LIMIT 1;
  ELSE
    EXECUTE 'SELECT l.event_id, l."ancestor_id", e.parent_id, o.parent_id
      FROM spector_new_links AS l
      JOIN "public"."events" AS e ON e.id = l.event_id
      JOIN "public"."events" AS o ON o.id = l."ancestor_id"
     WHERE e.parent_id <> o.parent_id
     LIMIT 1' INTO event_id, other_id, event_parent, other_parent;
  END IF;
  IF event_id IS NOT NULL THEN
    RAISE EXCEPTION USING
      ERRCODE = 'check_violation',
      MESSAGE = format('Link events must have the same parent_id: %s != %s (link table %s: event_id %s, %s %s)',
                       event_parent, other_parent, 'event_ancestors', event_id, 'ancestor_id', other_id),
      SCHEMA = 'public',
      TABLE = 'event_ancestors';
  END IF;
  RETURN NULL;
END
$spector$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_ancestors_update"() RETURNS trigger LANGUAGE plpgsql AS $spector$
DECLARE
  event_id uuid;
  other_id uuid;
  event_parent uuid;
  other_parent uuid;
BEGIN
  IF (SELECT count(*) FROM (SELECT FROM spector_new_links LIMIT 64) AS probe) < 64 THEN
    SELECT l.event_id, l."ancestor_id", e.parent_id, o.parent_id INTO event_id, other_id, event_parent, other_parent
      FROM spector_new_links AS l
      JOIN "public"."events" AS e ON e.id = l.event_id
      JOIN "public"."events" AS o ON o.id = l."ancestor_id"
     WHERE e.parent_id <> o.parent_id
     LIMIT 1;
  ELSE
    EXECUTE 'SELECT l.event_id, l."ancestor_id", e.parent_id, o.parent_id
      FROM spector_new_links AS l
      JOIN "public"."events" AS e ON e.id = l.event_id
      JOIN "public"."events" AS o ON o.id = l."ancestor_id"
     WHERE e.parent_id <> o.parent_id
     LIMIT 1' INTO event_id, other_id, event_parent, other_parent;
  END IF;
  IF event_id IS NOT NULL THEN
    RAISE EXCEPTION USING
      ERRCODE = 'check_violation',
      MESSAGE = format('Link events must have the same parent_id: %s != %s (link table %s: event_id %s, %s %s)',
                       event_parent, other_parent, 'event_ancestors', event_id, 'ancestor_id', other_id),
      SCHEMA = 'public',
      TABLE = 'event_ancestors';
  END IF;
  RETURN NULL;
END
$spector$;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER "enforce_same_parent_event_ancestors" AFTER INSERT ON "public"."event_ancestors"
  REFERENCING NEW TABLE AS spector_new_links
  FOR EACH STATEMENT EXECUTE FUNCTION "public"."check_link_same_parent_event_ancestors"();
--> statement-breakpoint
CREATE OR REPLACE TRIGGER "enforce_same_parent_event_ancestors_update" AFTER UPDATE ON "public"."event_ancestors"
  REFERENCING NEW TABLE AS spector_new_links
  FOR EACH STATEMENT EXECUTE FUNCTION "public"."check_link_same_parent_event_ancestors_update"();
--> statement-breakpoint
-- drizzle-spector:create-same-parent public.event_links
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_links"() RETURNS trigger LANGUAGE plpgsql AS $spector$
DECLARE
  event_id uuid;
  other_id uuid;
  event_parent uuid;
  other_parent uuid;
BEGIN
  IF (SELECT count(*) FROM (SELECT FROM spector_new_links LIMIT 64) AS probe) < 64 THEN
    SELECT l.event_id, l."linked_id", e.parent_id, o.parent_id INTO event_id, other_id, event_parent, other_parent
      FROM spector_new_links AS l
      JOIN "public"."events" AS e ON e.id = l.event_id
      JOIN "public"."events" AS o ON o.id = l."linked_id"
     WHERE e.parent_id <> o.parent_id
     LIMIT 1;
  ELSE
    EXECUTE 'SELECT l.event_id, l."linked_id", e.parent_id, o.parent_id
      FROM spector_new_links AS l
      JOIN "public"."events" AS e ON e.id = l.event_id
      JOIN "public"."events" AS o ON o.id = l."linked_id"
     WHERE e.parent_id <> o.parent_id
     LIMIT 1' INTO event_id, other_id, event_parent, other_parent;
  END IF;
  IF event_id IS NOT NULL THEN
    RAISE EXCEPTION USING
      ERRCODE = 'check_violation',
      MESSAGE = format('Link events must have the same parent_id: %s != %s (link table %s: event_id %s, %s %s)',
                       event_parent, other_parent, 'event_links', event_id, 'linked_id', other_id),
      SCHEMA = 'public',
      TABLE = 'event_links';
  END IF;
  RETURN NULL;
END
$spector$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_links_update"() RETURNS trigger LANGUAGE plpgsql AS $spector$
DECLARE
  event_id uuid;
  other_id uuid;
  event_parent uuid;
  other_parent uuid;
BEGIN
  IF (SELECT count(*) FROM (SELECT FROM spector_new_links LIMIT 64) AS probe) < 64 THEN
    SELECT l.event_id, l."linked_id", e.parent_id, o.parent_id INTO event_id, other_id, event_parent, other_parent
      FROM spector_new_links AS l
      JOIN "public"."events" AS e ON e.id = l.event_id
      JOIN "public"."events" AS o ON o.id = l."linked_id"
     WHERE e.parent_id <> o.parent_id
     LIMIT 1;
  ELSE
    EXECUTE 'SELECT l.event_id, l."linked_id", e.parent_id, o.parent_id
      FROM spector_new_links AS l
      JOIN "public"."events" AS e ON e.id = l.event_id
      JOIN "public"."events" AS o ON o.id = l."linked_id"
     WHERE e.parent_id <> o.parent_id
     LIMIT 1' INTO event_id, other_id, event_parent, other_parent;
  END IF;
  IF event_id IS NOT NULL THEN
    RAISE EXCEPTION USING
      ERRCODE = 'check_violation',
      MESSAGE = format('Link events must have the same parent_id: %s != %s (link table %s: event_id %s, %s %s)',
                       event_parent, other_parent, 'event_links', event_id, 'linked_id', other_id),
      SCHEMA = 'public',
      TABLE = 'event_links';
  END IF;
  RETURN NULL;
END
$spector$;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER "enforce_same_parent_event_links" AFTER INSERT ON "public"."event_links"
  REFERENCING NEW TABLE AS spector_new_links
  FOR EACH STATEMENT EXECUTE FUNCTION "public"."check_link_same_parent_event_links"();
--> statement-breakpoint
CREATE OR REPLACE TRIGGER "enforce_same_parent_event_links_update" AFTER UPDATE ON "public"."event_links"
  REFERENCING NEW TABLE AS spector_new_links
  FOR EACH STATEMENT EXECUTE FUNCTION "public"."check_link_same_parent_event_links_update"();
