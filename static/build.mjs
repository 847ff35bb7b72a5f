// Bundles our JS/CSS and the npm libraries (htmx, Uppy, Chart.js) into static/dist.
// Run by `make assets`; the output is git-ignored and rebuilt at setup time.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));

await build({
  entryPoints: {
    app: path.join(here, "src/app.js"),
    uploads: path.join(here, "src/uploads.js"),
    charts: path.join(here, "src/charts.js"),
    review: path.join(here, "src/review.js"),
    "app-style": path.join(here, "src/app.css"),
    "uploads-style": path.join(here, "src/uploads.css"),
  },
  outdir: path.join(here, "dist"),
  entryNames: "[name]",
  bundle: true,
  minify: true,
  sourcemap: true,
  format: "iife",
  target: ["es2020"],
  logLevel: "info",
});
