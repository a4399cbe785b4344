/**
 * The DDL that Spector's own Ecto migration runs (as recorded in shared/SPECTOR_FACTS.md), written by
 * hand for one schema: the reference our tables must be interchangeable with.
 */
export function spectorMadeDdl(schema: string): string[] {
  const s = `"${schema}"`;
  const link = (name: string, key: string, typed: boolean) => [
    `CREATE TABLE ${s}.${name} (
       event_id uuid NOT NULL CONSTRAINT ${name}_event_id_fkey REFERENCES ${s}.events(id) ON DELETE CASCADE,
       ${key} uuid NOT NULL CONSTRAINT ${name}_${key}_fkey REFERENCES ${s}.events(id) ON DELETE CASCADE
       ${typed ? ", type integer NOT NULL" : ""})`,
    `CREATE INDEX ${name}_event_id_index ON ${s}.${name} (event_id)`,
    `CREATE INDEX ${name}_${key}_index ON ${s}.${name} (${key})`,
    `CREATE UNIQUE INDEX ${name}_event_id_${key}${typed ? "_type" : ""}_index ON ${s}.${name} (event_id, ${key}${typed ? ", type" : ""})`,
    ...spectorRowTrigger(s, "events", name, key),
  ];
  return [
    `CREATE SCHEMA ${s}`,
    `CREATE TABLE ${s}.events (
       id uuid NOT NULL, parent_id uuid NOT NULL, payload jsonb, schema integer NOT NULL, action integer NOT NULL,
       hash bytea, inserted_at timestamp NOT NULL, updated_at timestamp NOT NULL,
       CONSTRAINT events_pkey PRIMARY KEY (id),
       CONSTRAINT events_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES ${s}.events(id))`,
    `CREATE INDEX events_schema_index ON ${s}.events (schema)`,
    `CREATE INDEX events_parent_id_index ON ${s}.events (parent_id)`,
    `CREATE INDEX events_inserted_at_index ON ${s}.events (inserted_at)`,
    ...link("event_ancestors", "ancestor_id", false),
    ...link("event_links", "linked_id", true),
  ];
}

/**
 * Spector's same-parent rule for link table `link` (foreign key `key`) on `events`, in the quoted
 * schema `s`: a row-level BEFORE INSERT trigger that looks both parents up, one query each.
 */
export function spectorRowTrigger(s: string, events: string, link: string, key: string): string[] {
  return [
    `CREATE FUNCTION ${s}.check_link_same_parent_${link}() RETURNS trigger AS $$
     DECLARE a uuid; b uuid;
     BEGIN
       SELECT parent_id INTO a FROM ${s}.${events} WHERE id = NEW.event_id;
       SELECT parent_id INTO b FROM ${s}.${events} WHERE id = NEW.${key};
       IF a IS DISTINCT FROM b THEN RAISE EXCEPTION 'Link events must have the same parent_id: % != %', a, b; END IF;
       RETURN NEW;
     END $$ LANGUAGE plpgsql`,
    `CREATE TRIGGER enforce_same_parent_${link} BEFORE INSERT ON ${s}.${link}
       FOR EACH ROW EXECUTE FUNCTION ${s}.check_link_same_parent_${link}()`,
  ];
}

/** Spector's `link_down/2` for link table `name`, as it runs it (unqualified names, via search_path). */
export function spectorLinkDown(name: string): string[] {
  return [
    `DROP TRIGGER IF EXISTS enforce_same_parent_${name} ON ${name}`,
    `DROP FUNCTION IF EXISTS check_link_same_parent_${name}()`,
    `DROP TABLE ${name}`,
  ];
}
