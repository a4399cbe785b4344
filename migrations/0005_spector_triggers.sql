-- drizzle-spector:create-record-chain public.ledger 0abf29f3ba0b2f
CREATE OR REPLACE FUNCTION "public"."record_chain_ledger"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = 'pg_catalog', 'pg_temp'
  AS $spector$
DECLARE
  v_last_id uuid;
  v_last_hash bytea;
  v_next bytea;
  v_byte int;
BEGIN
  IF EXISTS (SELECT FROM "public"."ledger" AS e WHERE e."id" = NEW."id") THEN
    RETURN NEW;
  END IF;
  UPDATE "public"."ledger_heads" AS h
     SET "last_id" = NEW."id",
         "last_hash" = pg_catalog.sha256(coalesce(h."last_hash", ''::pg_catalog.bytea) OPERATOR(pg_catalog.||) pg_catalog.sha256(pg_catalog.convert_to(NEW."id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."parent_id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."schema"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."action"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) pg_catalog.to_char(NEW."inserted_at", 'YYYY-MM-DD HH24:MI:SS.US') OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) coalesce(NEW."payload"::pg_catalog.text, ''), 'UTF8'))),
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
    IF NEW."id" = NEW."parent_id" THEN
      RAISE EXCEPTION USING ERRCODE = '23505',
        MESSAGE = format('drizzle-spector: record %s of %s has a first event already', NEW."parent_id", '"public"."ledger"'),
        SCHEMA = 'public', TABLE = 'ledger';
    END IF;
    IF NEW."id" <= v_last_id THEN
      v_next := uuid_send(v_last_id);
      FOR i IN REVERSE 15..0 LOOP
        v_byte := get_byte(v_next, i);
        IF v_byte < 255 THEN
          v_next := set_byte(v_next, i, v_byte + 1);
          EXIT;
        END IF;
        IF i = 0 THEN
          RAISE EXCEPTION 'drizzle-spector: record % of % has no id left after %', NEW."parent_id", '"public"."ledger"', v_last_id;
        END IF;
        v_next := set_byte(v_next, i, 0);
      END LOOP;
      NEW."id" := encode(v_next, 'hex')::uuid;
    END IF;
    NEW."hash" := pg_catalog.sha256(coalesce(v_last_hash, ''::pg_catalog.bytea) OPERATOR(pg_catalog.||) pg_catalog.sha256(pg_catalog.convert_to(NEW."id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."parent_id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."schema"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."action"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) pg_catalog.to_char(NEW."inserted_at", 'YYYY-MM-DD HH24:MI:SS.US') OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) coalesce(NEW."payload"::pg_catalog.text, ''), 'UTF8')));
    UPDATE "public"."ledger_heads" AS h SET "last_id" = NEW."id", "last_hash" = NEW."hash", "event_count" = h."event_count" + 1
     WHERE h."parent_id" = NEW."parent_id";
    RETURN NEW;
  END IF;
  IF NEW."id" IS DISTINCT FROM NEW."parent_id" THEN
    IF EXISTS (SELECT FROM "public"."ledger" AS e WHERE e."id" = NEW."parent_id") THEN
      RAISE EXCEPTION USING ERRCODE = '55000',
        MESSAGE = format('drizzle-spector: record %s of %s has no record chain head: its events were written before the record chain was installed', NEW."parent_id", '"public"."ledger"'),
        SCHEMA = 'public', TABLE = 'ledger';
    END IF;
    RAISE EXCEPTION USING ERRCODE = '23503',
        MESSAGE = format('drizzle-spector: no record %s in %s: its first event must be written first', NEW."parent_id", '"public"."ledger"'),
        SCHEMA = 'public', TABLE = 'ledger';
  END IF;
  NEW."hash" := pg_catalog.sha256(coalesce(NULL, ''::pg_catalog.bytea) OPERATOR(pg_catalog.||) pg_catalog.sha256(pg_catalog.convert_to(NEW."id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."parent_id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."schema"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) NEW."action"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) pg_catalog.to_char(NEW."inserted_at", 'YYYY-MM-DD HH24:MI:SS.US') OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) coalesce(NEW."payload"::pg_catalog.text, ''), 'UTF8')));
  INSERT INTO "public"."ledger_heads" AS h ("parent_id", "last_id", "last_hash", "event_count")
  VALUES (NEW."parent_id", NEW."id", NEW."hash", 1)
  ON CONFLICT ("parent_id") DO NOTHING;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '23505',
        MESSAGE = format('drizzle-spector: record %s of %s has a first event already', NEW."parent_id", '"public"."ledger"'),
        SCHEMA = 'public', TABLE = 'ledger';
  END IF;
  RETURN NEW;
END
$spector$;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER "record_chain_ledger" BEFORE INSERT ON "public"."ledger"
  FOR EACH ROW EXECUTE FUNCTION "public"."record_chain_ledger"();
--> statement-breakpoint
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
  FOR r IN SELECT e."id" AS id, e."parent_id" AS parent_id, pg_catalog.sha256(pg_catalog.convert_to(e."id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) e."parent_id"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) e."schema"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) e."action"::pg_catalog.text OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) pg_catalog.to_char(e."inserted_at", 'YYYY-MM-DD HH24:MI:SS.US') OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) coalesce(e."payload"::pg_catalog.text, ''), 'UTF8')) AS digest
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
