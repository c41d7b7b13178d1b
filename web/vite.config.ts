// The browser app's build (web/ → web/dist, served by the Worker as static assets). Preact's JSX
// through Vite's own transform; no plugin, so the build needs only npm packages and no network.
import { resolve } from "node:path";
import { defineConfig } from "vite";

const here = import.meta.dirname;

export default defineConfig({
  root: here,
  base: "/",
  publicDir: resolve(here, "public"),
  // Vite 8 transforms TS/JSX with oxc: the automatic runtime from preact.
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  resolve: {
    alias: {
      // The shared client core and the mini-program's catalogues live under miniprogram/.
      "@miniprogram": resolve(here, "..", "miniprogram"),
      "@schema": resolve(here, "..", "schema"),
    },
  },
  build: {
    outDir: resolve(here, "dist"),
    emptyOutDir: true,
    target: "es2022",
    // No source maps in what is served: they would double what a deploy uploads.
    sourcemap: false,
    // Inlined assets would need data: in script/style CSP; keep everything as files.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
