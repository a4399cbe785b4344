import { PGlite } from "@electric-sql/pglite";
let t = Date.now();
const a = new PGlite(); await a.query("select 1"); console.log("fresh", Date.now() - t); t = Date.now();
const dump = await a.dumpDataDir("none"); console.log("dump", Date.now() - t, dump.size); t = Date.now();
const b = new PGlite({ loadDataDir: dump }); await b.query("select 1"); console.log("from dump", Date.now() - t); t = Date.now();
const c = new PGlite({ loadDataDir: dump }); await c.query("create table x(a int)"); console.log("from dump 2", Date.now() - t);
console.log((await b.query("select count(*) from pg_class")).rows);
