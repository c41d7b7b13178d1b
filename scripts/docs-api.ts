// npm run docs:api: writes docs/api-reference.md from the OpenAPI document the worker builds.
// The app is bundled for Node with the Durable Object base class stubbed (the document only
// reads the routes; no object runs).
import { build } from "esbuild";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const entry = `
import { app } from "./worker/app";
import { openApiDocument } from "./worker/http/openapi";
import { renderApiReference } from "./scripts/api-reference";
export const markdown = renderApiReference(openApiDocument(app));
`;
const result = await build({
  stdin: { contents: entry, resolveDir: root, loader: "ts" },
  bundle: true,
  platform: "node",
  format: "esm",
  write: false,
  logLevel: "error",
  plugins: [
    {
      name: "cloudflare-stub",
      setup(b) {
        b.onResolve({ filter: /^cloudflare:/ }, (args) => ({ path: args.path, namespace: "stub" }));
        b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "export class DurableObject {}; export class WorkerEntrypoint {};", loader: "js" }));
      },
    },
  ],
});
const code = result.outputFiles[0]!.text;
const { markdown } = (await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`)) as { markdown: string };
writeFileSync(new URL("../docs/api-reference.md", import.meta.url), markdown);
console.log(`docs/api-reference.md: ${markdown.split("\n").length} lines`);
