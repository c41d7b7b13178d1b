// SQL migration files are bundled as text (wrangler.toml [[rules]]).
declare module "*.sql" {
  const sql: string;
  export default sql;
}
