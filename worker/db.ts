import { drizzle } from "drizzle-orm/d1";
import * as schema from "../schema/d1";
import type { Env } from "./env";

export type Db = ReturnType<typeof db>;
export const db = (env: Pick<Env, "DB">) => drizzle(env.DB, { schema });
