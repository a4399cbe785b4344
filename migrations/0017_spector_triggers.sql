-- drizzle-spector:create-record-chain public.ledger 150672d0c66ef2
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
  FOR r IN SELECT e."id" AS id, e."parent_id" AS parent_id, (pg_catalog.uuid_send(e."id") OPERATOR(pg_catalog.||) pg_catalog.uuid_send(e."parent_id") OPERATOR(pg_catalog.||) pg_catalog.int4send(e."schema") OPERATOR(pg_catalog.||) pg_catalog.int4send(e."action") OPERATOR(pg_catalog.||) pg_catalog.timestamp_send(e."inserted_at") OPERATOR(pg_catalog.||) coalesce(pg_catalog.sha256(pg_catalog.convert_to(e."payload"::pg_catalog.text, 'UTF8')), ''::pg_catalog.bytea)) AS digest
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
DO $spector$
DECLARE
  v_row record;
  v_parent uuid;
  v_hash bytea;
  v_bad_event text;
  v_bad_head text;
  v_guarded boolean;
  v_path text := pg_catalog.current_setting('search_path');
BEGIN
  -- only a table whose record chain is there, in format 1 (a function without the format's line)
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_trigger WHERE tgrelid OPERATOR(pg_catalog.=) '"public"."ledger"'::pg_catalog.regclass
                   AND tgname OPERATOR(pg_catalog.=) 'record_chain_ledger')
     OR pg_catalog.to_regprocedure('"public"."record_chain_ledger"()') IS NULL
     OR pg_catalog.strpos((SELECT prosrc FROM pg_catalog.pg_proc
                            WHERE oid OPERATOR(pg_catalog.=) pg_catalog.to_regprocedure('"public"."record_chain_ledger"()')),
                          '-- drizzle-spector record chain format 2') OPERATOR(pg_catalog.>) 0 THEN
    RETURN;
  END IF;
  -- other writers wait until the migration commits
  LOCK TABLE "public"."ledger" IN SHARE ROW EXCLUSIVE MODE;
  -- PostgreSQL's own operators for what follows, whatever the migrating role's path; restored below
  PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
  SELECT v.bad_event, v.bad_head INTO v_bad_event, v_bad_head FROM (SELECT coalesce(sum(x.position) FILTER (WHERE x.last), 0)::text AS events,
       min((x.parent_id::text || ' ' || x.id::text) COLLATE "C") FILTER (WHERE x.bad) AS bad_event,
       min(coalesce(x.parent_id, h."parent_id")::text COLLATE "C") FILTER (
         WHERE x.id IS NULL OR (x.last AND (h."parent_id" IS NULL OR h."last_id" <> x.id
               OR h."last_hash" <> x.hash OR h."event_count" <> x.position))) AS bad_head
  FROM (SELECT * FROM (SELECT r.parent_id, r.id, r.hash, r.last, r.position,
                              r.hash IS NULL OR r.digest IS NULL OR r.hash <> pg_catalog.sha256(coalesce(r.previous, ''::pg_catalog.bytea) OPERATOR(pg_catalog.||) r.digest) AS bad
                         FROM (SELECT c.parent_id, c.id, c.hash, c.digest, lag(c.hash) OVER w AS previous,
                                      lead(c.id) OVER w IS NULL AS last, row_number() OVER w AS position
                                 FROM (SELECT e."parent_id" AS parent_id, e."id" AS id, e."hash" AS hash, pg_catalog.sha256(pg_catalog.convert_to(e."id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) e."parent_id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) e."schema"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) e."action"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) coalesce(pg_catalog.to_char(e."inserted_at", 'YYYY-MM-DD HH24:MI:SS.US') OPERATOR(pg_catalog.||) CASE WHEN e."inserted_at" OPERATOR(pg_catalog.<) '0001-01-01'::pg_catalog.timestamp THEN ' BC' ELSE '' END, e."inserted_at"::pg_catalog.text) OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) coalesce(e."payload"::pg_catalog.text, ''), 'UTF8')) AS digest
                                         FROM "public"."ledger" AS e) AS c
                               WINDOW w AS (PARTITION BY c.parent_id ORDER BY c.id, c.digest)) AS r
                       OFFSET 0) AS s WHERE s.last OR s.bad) AS x
  FULL JOIN (SELECT * FROM "public"."ledger_heads" AS h) AS h
    ON h."parent_id" = CASE WHEN x.last THEN x.parent_id END) AS v;
  IF v_bad_event IS NOT NULL OR v_bad_head IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'XX001',
      MESSAGE = format('drizzle-spector: the record chain of %s does not verify in format 1 (%s): it cannot be moved to format %s, and nothing was changed; run drizzle-spector verify, and repair the table first', '"public"."ledger"',
        CASE WHEN v_bad_event IS NOT NULL THEN 'event ' || split_part(v_bad_event, ' ', 2) || ' of record ' || split_part(v_bad_event, ' ', 1)
             ELSE 'the head of record ' || v_bad_head END, 2),
      SCHEMA = 'public', TABLE = 'ledger';
  END IF;
  SELECT tgenabled <> 'D' INTO v_guarded FROM pg_catalog.pg_trigger
   WHERE tgrelid = '"public"."ledger"'::pg_catalog.regclass AND tgname = 'append_only_ledger';
  IF v_guarded THEN
    EXECUTE 'ALTER TABLE "public"."ledger" DISABLE TRIGGER "append_only_ledger"';
  END IF;
  FOR v_row IN SELECT e."id" AS id, e."parent_id" AS parent_id, (pg_catalog.uuid_send(e."id") OPERATOR(pg_catalog.||) pg_catalog.uuid_send(e."parent_id") OPERATOR(pg_catalog.||) pg_catalog.int4send(e."schema") OPERATOR(pg_catalog.||) pg_catalog.int4send(e."action") OPERATOR(pg_catalog.||) pg_catalog.timestamp_send(e."inserted_at") OPERATOR(pg_catalog.||) coalesce(pg_catalog.sha256(pg_catalog.convert_to(e."payload"::pg_catalog.text, 'UTF8')), ''::pg_catalog.bytea)) AS digest
             FROM "public"."ledger" AS e ORDER BY e."parent_id", e."id" LOOP
    IF v_row.parent_id IS DISTINCT FROM v_parent THEN
      IF v_parent IS NOT NULL THEN
        UPDATE "public"."ledger_heads" AS h SET "last_hash" = v_hash WHERE h."parent_id" = v_parent;
      END IF;
      v_parent := v_row.parent_id;
      v_hash := NULL;
    END IF;
    v_hash := pg_catalog.sha256(coalesce(v_hash, ''::pg_catalog.bytea) OPERATOR(pg_catalog.||) v_row.digest);
    UPDATE "public"."ledger" AS e SET "hash" = v_hash WHERE e."id" = v_row.id;
  END LOOP;
  IF v_parent IS NOT NULL THEN
    UPDATE "public"."ledger_heads" AS h SET "last_hash" = v_hash WHERE h."parent_id" = v_parent;
  END IF;
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
-- drizzle-spector record chain format 2
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
  -- the id's bytes, not its text: version 7 (byte 6's high nibble), variant 10 (byte 8's two high bits),
  -- and its 48-bit big-endian time (bytes 1-6) compared with the bound's, as bytes of the same length
  IF NEW."id" IS NOT NULL AND (get_byte(uuid_send(NEW."id"), 6) >> 4 <> 7 OR get_byte(uuid_send(NEW."id"), 8) >> 6 <> 2
      OR substring(uuid_send(NEW."id") FROM 1 FOR 6)
         > substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint + 60000) FROM 3)) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
        MESSAGE = format('drizzle-spector: event id %s of record %s in %s is not a UUIDv7 whose time is at most 60 seconds ahead of the database clock (%s)', NEW."id", NEW."parent_id", '"public"."ledger"', clock_timestamp()),
        SCHEMA = 'public', TABLE = 'ledger';
  END IF;
  UPDATE "public"."ledger_heads" AS h
     SET "last_id" = NEW."id",
         "last_hash" = pg_catalog.sha256(coalesce(h."last_hash", ''::pg_catalog.bytea) OPERATOR(pg_catalog.||) (pg_catalog.uuid_send(NEW."id") OPERATOR(pg_catalog.||) pg_catalog.uuid_send(NEW."parent_id") OPERATOR(pg_catalog.||) pg_catalog.int4send(NEW."schema") OPERATOR(pg_catalog.||) pg_catalog.int4send(NEW."action") OPERATOR(pg_catalog.||) pg_catalog.timestamp_send(NEW."inserted_at") OPERATOR(pg_catalog.||) coalesce(pg_catalog.sha256(pg_catalog.convert_to(NEW."payload"::pg_catalog.text, 'UTF8')), ''::pg_catalog.bytea))),
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
    v_last_hash := pg_catalog.sha256(coalesce(v_last_hash, ''::pg_catalog.bytea) OPERATOR(pg_catalog.||) (pg_catalog.uuid_send(NEW."id") OPERATOR(pg_catalog.||) pg_catalog.uuid_send(NEW."parent_id") OPERATOR(pg_catalog.||) pg_catalog.int4send(NEW."schema") OPERATOR(pg_catalog.||) pg_catalog.int4send(NEW."action") OPERATOR(pg_catalog.||) pg_catalog.timestamp_send(NEW."inserted_at") OPERATOR(pg_catalog.||) coalesce(pg_catalog.sha256(pg_catalog.convert_to(NEW."payload"::pg_catalog.text, 'UTF8')), ''::pg_catalog.bytea)));
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
  v_last_hash := pg_catalog.sha256(coalesce(NULL, ''::pg_catalog.bytea) OPERATOR(pg_catalog.||) (pg_catalog.uuid_send(NEW."id") OPERATOR(pg_catalog.||) pg_catalog.uuid_send(NEW."parent_id") OPERATOR(pg_catalog.||) pg_catalog.int4send(NEW."schema") OPERATOR(pg_catalog.||) pg_catalog.int4send(NEW."action") OPERATOR(pg_catalog.||) pg_catalog.timestamp_send(NEW."inserted_at") OPERATOR(pg_catalog.||) coalesce(pg_catalog.sha256(pg_catalog.convert_to(NEW."payload"::pg_catalog.text, 'UTF8')), ''::pg_catalog.bytea)));
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
CREATE OR REPLACE FUNCTION "public"."lock_record_ledger"(parent uuid, OUT parent_id uuid, OUT last_id uuid, OUT event_count bigint) RETURNS SETOF "pg_catalog"."record" LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = 'pg_catalog', 'pg_temp'
  AS $spector$
BEGIN
  RETURN QUERY SELECT h."parent_id", h."last_id", h."event_count"
    FROM "public"."ledger_heads" AS h
    WHERE h."parent_id" = parent FOR UPDATE;
END
$spector$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION "public"."lock_record_ledger"(parent uuid, OUT parent_id uuid, OUT last_id uuid, OUT event_count bigint) FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER "record_chain_ledger" BEFORE INSERT ON "public"."ledger"
  FOR EACH ROW EXECUTE FUNCTION "public"."record_chain_ledger"();
