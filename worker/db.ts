import { drizzle } from "drizzle-orm/d1";
import * as schema from "../schema/d1";
import type { Env } from "./env";

export type Db = ReturnType<typeof make>;

const make = (binding: D1Database) => drizzle(binding, { schema });
/**
 * One drizzle instance per D1 binding, kept for the isolate's life: building one walks the whole
 * schema (extractTablesRelationalConfig), which was 2-5% of a direct message's CPU when every
 * lookup made its own. The instance holds no request state, so sharing it is safe.
 */
const instances = new WeakMap<D1Database, Db>();

export const db = (env: Pick<Env, "DB">): Db => {
  let d = instances.get(env.DB);
  if (!d) instances.set(env.DB, (d = make(env.DB)));
  return d;
};
