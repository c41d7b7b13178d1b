// Renders the OpenAPI document (worker/http/openapi.ts) as docs/api-reference.md: one table
// row per route, then each route's request and answers. Pure, so the worker tests can render it
// too and fail when the committed file is stale.

type Json = Record<string, any>;

function schemaText(schema: Json | undefined, depth = 0): string {
  if (!schema) return "—";
  if (schema.$ref) return String(schema.$ref).split("/").pop()!;
  if (schema.anyOf) return schema.anyOf.map((s: Json) => schemaText(s, depth)).join(" \\| ");
  if (schema.oneOf) return schema.oneOf.map((s: Json) => schemaText(s, depth)).join(" \\| ");
  if (schema.allOf) return schema.allOf.map((s: Json) => schemaText(s, depth)).join(" & ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v: unknown) => JSON.stringify(v)).join(" \\| ");
  const type = schema.type;
  if (type === "array") return `${schemaText(schema.items, depth)}[]`;
  if (type === "object" || schema.properties) {
    if (depth > 1) return "object";
    const required = new Set<string>(schema.required ?? []);
    const props = Object.entries((schema.properties ?? {}) as Record<string, Json>).map(([k, v]) => `${k}${required.has(k) ? "" : "?"}: ${schemaText(v, depth + 1)}`);
    return props.length ? `{ ${props.join(", ")} }` : "object";
  }
  if (Array.isArray(type)) return type.join(" \\| ");
  return type ?? "any";
}

export function renderApiReference(doc: Json): string {
  const out: string[] = [
    "# API reference",
    "",
    "Generated from the routes by `npm run docs:api` (the document is also served at",
    "`GET /openapi.json`); do not edit by hand. The prose documents (api.md, protocol.md,",
    "contacts.md, groups.md, media.md) say what the answers mean.",
    "",
    "| route | auth | summary | answers |",
    "| --- | :-: | --- | --- |",
  ];
  const ops: [string, string, Json][] = [];
  for (const [path, methods] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const [method, op] of Object.entries(methods)) ops.push([method.toUpperCase(), path, op as Json]);
  }
  for (const [method, path, op] of ops) {
    const auth = (op.security ?? []).length ? "✓" : "";
    out.push(`| \`${method} ${path}\` | ${auth} | ${op.summary} | ${Object.keys(op.responses).join(", ")} |`);
  }
  for (const [method, path, op] of ops) {
    out.push("", `## ${method} ${path}`, "", op.summary + (op.externalDocs ? ` (see ${op.externalDocs.url})` : ""), "");
    for (const p of op.parameters ?? []) out.push(`- ${p.in} \`${p.name}\`${p.required ? "" : " (optional)"}: ${schemaText(p.schema)}`);
    const body = op.requestBody?.content?.["application/json"]?.schema;
    if (body) out.push(`- body: \`${schemaText(body)}\``);
    for (const [status, r] of Object.entries(op.responses as Record<string, Json>)) {
      if (r.$ref) {
        out.push(`- ${status}: error (${String(r.$ref).split("/").pop()})`);
        continue;
      }
      const entries = Object.entries((r.content ?? {}) as Record<string, Json>);
      if (!entries.length) out.push(`- ${status}: ${r.description} (no body)`);
      for (const [type, c] of entries) out.push(type === "application/json" ? `- ${status}: \`${schemaText(c.schema)}\`` : `- ${status}: ${type}`);
    }
  }
  out.push("", "## Errors", "");
  for (const [name, r] of Object.entries(doc.components.responses as Record<string, Json>)) out.push(`- ${name.replace("Error", "")}: ${r.description}`);
  return out.join("\n").replace(/\|\s*\|/g, (m) => m) + "\n";
}
