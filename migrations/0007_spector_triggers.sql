-- drizzle-spector:create-spector-chain public.events 0b1646100eee48
CREATE OR REPLACE FUNCTION "public"."chain_append_events"(event_id uuid, record_id uuid, event_schema integer, event_action integer, event_payload jsonb, hash_tail bytea) RETURNS SETOF "public"."events" LANGUAGE plpgsql
  SET search_path = 'pg_catalog', 'pg_temp'
  AS $spector$
DECLARE
  isolation text := current_setting('transaction_isolation');
  last_hash bytea;
  new_hash bytea;
  new_inserted_at timestamp;
BEGIN
  IF isolation <> 'read committed' THEN
    RAISE EXCEPTION USING
      ERRCODE = '25001',
      MESSAGE = format('drizzle-spector: appending to hashed table %s needs READ COMMITTED, not %s', '"public"."events"', upper(isolation)),
      HINT = 'Its snapshot could predate the lock and fork the chain: append outside a transaction, or in a READ COMMITTED one.';
  END IF;
  LOCK TABLE "public"."events" IN EXCLUSIVE MODE;
  -- each statement from here on reads a new snapshot: every append committed before the lock was granted
  SELECT "spector_chain"."hash" INTO last_hash FROM "public"."events" AS "spector_chain"
    ORDER BY "spector_chain"."inserted_at" DESC, "spector_chain"."id" DESC LIMIT 1;
  new_hash := sha256(coalesce(convert_to(encode(last_hash, 'hex') || ':', 'UTF8'), ''::bytea) || hash_tail);
  new_inserted_at := greatest(clock_timestamp() AT TIME ZONE 'utc',
    (SELECT max("spector_chain"."inserted_at") FROM "public"."events" AS "spector_chain") + interval '1 microsecond');
  IF record_id IS NULL THEN
    RETURN QUERY INSERT INTO "public"."events" ("id", "parent_id", "schema", "action", "payload", "hash", "inserted_at") VALUES (event_id, event_id, event_schema, event_action, event_payload, new_hash, new_inserted_at) RETURNING *;
  ELSE
    -- nothing when record_id is no record's first event
    RETURN QUERY INSERT INTO "public"."events" ("id", "parent_id", "schema", "action", "payload", "hash", "inserted_at")
      SELECT event_id, "spector_parent"."id", event_schema, event_action, event_payload, new_hash, new_inserted_at FROM "public"."events" AS "spector_parent"
       WHERE "spector_parent"."id" = record_id AND "spector_parent"."parent_id" = "spector_parent"."id"
      RETURNING *;
  END IF;
END
$spector$;
