// Bundles our JS/CSS and the npm libraries (htmx, Uppy, Chart.js) into static/dist.
// Run by `make assets`; the output is git-ignored and rebuilt at setup time.
//
// Every file gets a content hash in its name (app-3F2K7Q.js), so the server can tell browsers to keep it
// forever (Cache-Control: immutable) and a rebuild still reaches them under a new name. Next to each
// file go its Brotli (.br) and gzip (.gz) twins, made once here so the server never compresses per
// request. dist/manifest.json maps the logical name templates ask for (asset('app.js')) to the file.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import zlib from "node:zlib";

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, "dist");

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

const result = await build({
  entryPoints: {
    app: path.join(here, "src/app.js"),
    uploads: path.join(here, "src/uploads.js"),
    charts: path.join(here, "src/charts.js"),
    review: path.join(here, "src/review.js"),
    "app-style": path.join(here, "src/app.css"),
    "uploads-style": path.join(here, "src/uploads.css"),
  },
  outdir: dist,
  entryNames: "[name]-[hash]",
  bundle: true,
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  metafile: true,
  format: "iife",
  target: ["es2020"],
  logLevel: "warning",
});

const manifest = {};
for (const [output, meta] of Object.entries(result.metafile.outputs)) {
  if (!meta.entryPoint || output.endsWith(".map")) continue;
  const file = path.basename(output);
  // "app-style-3F2K7Q.css" -> "app.css": templates ask for the name of what they load.
  const logical = file.replace(/-[A-Z0-9]{8}(\.\w+)$/, "$1").replace(/-style(\.css)$/, "$1");
  manifest[logical] = file;
}

// Files copied as they are (the favicon), hashed the same way.
for (const name of ["favicon.svg"]) {
  const body = await readFile(path.join(here, "src", name));
  const hash = createHash("sha256").update(body).digest("hex").slice(0, 8).toUpperCase();
  const ext = path.extname(name);
  const file = `${path.basename(name, ext)}-${hash}${ext}`;
  await writeFile(path.join(dist, file), body);
  manifest[name] = file;
}

// Precompress everything a browser downloads (source maps only matter to someone debugging).
let plain = 0;
let brotli = 0;
const lines = [];
for (const file of (await readdir(dist)).sort()) {
  if (!/\.(js|css|svg|map|txt)$/.test(file)) continue;
  const body = await readFile(path.join(dist, file));
  const br = zlib.brotliCompressSync(body, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
  const gz = zlib.gzipSync(body, { level: zlib.constants.Z_BEST_COMPRESSION });
  await writeFile(path.join(dist, `${file}.br`), br);
  await writeFile(path.join(dist, `${file}.gz`), gz);
  if (!file.endsWith(".map")) {
    plain += body.length;
    brotli += br.length;
    lines.push(`  ${file.padEnd(34)} ${kb(body.length).padStart(9)} ${kb(br.length).padStart(9)} br ${kb(gz.length).padStart(9)} gz`);
  }
}
await writeFile(path.join(dist, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");

console.log(lines.join("\n"));
console.log(`  static/dist: ${kb(plain)} of assets, ${kb(brotli)} with Brotli; manifest.json lists ${Object.keys(manifest).length}`);

function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
