-- drizzle-spector:create-record-chain public.ledger 0827b9eb50f496
CREATE OR REPLACE FUNCTION "public"."record_chain_ledger"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = 'pg_catalog', 'pg_temp'
  AS $spector$
DECLARE
  v_last_id uuid;
  v_last_hash bytea;
  v_next bytea;
  v_byte int;
BEGIN
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
