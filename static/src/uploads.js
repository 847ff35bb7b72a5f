// Resumable direct-to-storage uploads with progress (Uppy). Pages that upload include this bundle and
// mark a container with data-uploader (data-endpoint, data-page, data-allowed-types, data-max-bytes).
//
// Uppy 6's S3 plugin speaks S3 and asks `signRequest` for a URL per request. Parts go straight to
// storage through URLs our server signs; the other requests (start, list parts, complete, abort) go
// to our own endpoints with ?as=s3, which answer the S3 documents Uppy reads. The "upload id" Uppy
// keeps is our draft id. Golden Retriever remembers unfinished uploads across a reload, and the
// plugin asks our server which parts already arrived, so only the rest is sent.
import Uppy from "@uppy/core";
import Dashboard from "@uppy/dashboard";
import AwsS3 from "@uppy/aws-s3";
import GoldenRetriever from "@uppy/golden-retriever";

const MiB = 1024 * 1024;

function csrfToken() {
  // base.html puts the token in hx-headers for htmx; we send the same header.
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"] || "";
  } catch {
    return "";
  }
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", accept: "application/json", "x-csrftoken": csrfToken() },
    body: JSON.stringify(body || {}),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    // Our JSON errors carry the reason a person can act on ("This file is a PNG image, not …").
    throw new Error(data.detail || data.error || `The server answered ${response.status}.`);
  }
  return data;
}

function ourReason(error) {
  // Uppy's own S3 requests (starting an upload) fail as "S3 returned 503"; our endpoints answer JSON with the
  // reason even there ("The file store can't be reached right now…"), and Uppy keeps the body: that, or "".
  try {
    const data = JSON.parse((error && error.body) || "");
    if (data && (data.detail || data.error)) return data.detail || data.error;
  } catch {
    // not ours
  }
  return "";
}

function mount(element) {
  const endpoint = element.dataset.endpoint;
  const page = element.dataset.page;
  const allowed = (element.dataset.allowedTypes || "").split(",").filter(Boolean);
  const maxBytes = Number(element.dataset.maxBytes) || null;
  const caption = document.querySelector("[data-caption]");
  const errorBox = element.parentElement.querySelector("[data-upload-error]");
  const s3 = (path) => `${endpoint}${path}${path.includes("?") ? "&" : "?"}as=s3`;

  const uppy = new Uppy({
    id: `uploads-${endpoint}`, // Golden Retriever's saved state is per deliverable
    // A failed upload is told in the box under the uploader (upload-error below); the console gets it as a warning.
    logger: { debug() {}, warn: (...args) => console.warn(...args), error: (...args) => console.warn(...args) },
    autoProceed: false,
    restrictions: { maxNumberOfFiles: 1, allowedFileTypes: allowed.length ? allowed : null, maxFileSize: maxBytes },
  });

  // A phone has nothing to drop: its first (and only) action is choosing the file, in words that say what.
  const phone = window.matchMedia("(max-width: 40rem)").matches;
  const videoOnly = allowed.length > 0 && allowed.every((type) => type.startsWith("video/"));
  const choose = videoOnly ? "Choose a video" : "Choose a video or image";
  uppy.use(Dashboard, {
    inline: true,
    target: element,
    width: "100%",
    height: phone ? 240 : 320,
    proudlyDisplayPoweredByUppy: false,
    showProgressDetails: true,
    note: "The upload resumes if your connection drops.",
    locale: {
      strings: {
        dropPasteFiles: phone ? "%{browseFiles}" : "%{browseFiles} or drop it here",
        browseFiles: choose,
        dropHint: "Drop your file here",
      },
    },
  });

  // Uppy's Dashboard shows a single file as role="listitem" in a container without role="list" (its several-file
  // view has one): screen readers get an orphaned list item, and axe a critical failure. The container gets the
  // role it lacks; Preact leaves an attribute it doesn't manage alone on its next render.
  new MutationObserver(() => {
    for (const files of element.querySelectorAll(".uppy-Dashboard-files:not([role])")) {
      if (files.querySelector(":scope [role=listitem]")) files.setAttribute("role", "list");
    }
  }).observe(element, { childList: true, subtree: true });

  uppy.use(AwsS3, {
    shouldUseMultipart: true, // always: every upload can resume, and the server verifies one path
    limit: 4, // parts in flight at once: enough for speed on a phone without starving the connection
    getChunkSize: (file) => Math.max(8 * MiB, Math.ceil((file.size || 0) / 9000)),
    generateObjectKey: (file) => file.id, // our server chooses the real key; this only finds the file
    async signRequest(request) {
      const headers = { "x-csrftoken": csrfToken() };
      if (request.method === "POST" && !request.uploadId) {
        const file = uppy.getFile(request.key);
        const params = new URLSearchParams({ filename: file.name, type: file.type, size: String(file.size) });
        return { url: s3(`?${params}`), headers, key: "" };
      }
      const draft = encodeURIComponent(request.uploadId);
      if (request.method === "PUT") {
        const { url } = await postJson(`${endpoint}/${draft}/parts/${request.partNumber}`);
        return { url };
      }
      if (request.method === "GET") {
        return { url: s3(`/${draft}/parts`), headers };
      }
      if (request.method === "POST") {
        // Complete and verify through the JSON endpoint first, so a refusal shows its reason in
        // the Dashboard; then Uppy's own request reads the (already completed) result.
        const result = await postJson(`${endpoint}/${draft}/complete`, {
          parts: [],
          caption: caption ? caption.value : "",
        });
        uppy.setMeta({ draftId: result.draftId });
        return { url: s3(`/${draft}/complete`), headers };
      }
      return { url: s3(`/${draft}`), headers }; // DELETE: give the upload up
    },
  });

  uppy.use(GoldenRetriever, { serviceWorker: false });

  uppy.on("upload-error", (file, error) => {
    const ours = ourReason(error);
    if (errorBox) {
      errorBox.textContent = ours || (error && error.message ? error.message : "The upload failed. Try again.");
      errorBox.hidden = false;
    }
    // Our server refused (the file store unreachable, nothing saved): the file goes back to the picker, to be
    // sent again later, rather than sitting in Uppy's error state (whose retry button fails axe's contrast and
    // ARIA checks). A network failure mid-upload keeps Uppy's retry, which resumes the parts already sent.
    if (ours && file) uppy.removeFile(file.id);
  });
  uppy.on("complete", (result) => {
    if (result.successful && result.successful.length) {
      // Forget the finished file, and give Golden Retriever (which saves at most every 500 ms) time to
      // store that, or the next page would offer to "restore" an upload that already succeeded.
      uppy.clear();
      // Then show the verified draft and its disclosure check.
      window.setTimeout(() => window.location.assign(page), 800);
    }
  });
}

document.querySelectorAll("[data-uploader]").forEach(mount);
