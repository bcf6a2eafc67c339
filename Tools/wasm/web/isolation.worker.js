// The page's service worker (registered by isolation.js): it adds the cross-origin isolation
// headers to the page's own files, so the page gets SharedArrayBuffer from any static host.
// Python's worker blocks on stdin with Atomics.wait and Ctrl+C writes to a shared buffer; both
// need SharedArrayBuffer, which browsers give only to cross-origin isolated pages, and a page
// is isolated only when its own response carries COOP and COEP. A host we do not run cannot be
// asked to send them; a service worker answers the browser in the host's place.
"use strict";

const ADDED = {
  // A page of its own: no window of another origin keeps a handle on it.
  "Cross-Origin-Opener-Policy": "same-origin",
  // What the page loads from other origins must agree to be embedded in it.
  "Cross-Origin-Embedder-Policy": "require-corp",
  // Its own files need not, but say so anyway, as `invoke wasm.serve`'s do.
  "Cross-Origin-Resource-Policy": "same-origin",
};

// A new version of this file takes over at once, and the first one takes over the pages that
// registered it: isolation.js reloads the page when it does, and the reload comes through here.
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  // Only our own files are ours to label; anything else (other origins, POSTs) goes on as if
  // this worker were not here.
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  // Chrome's developer tools ask with cache "only-if-cached", which fetch() refuses unless the
  // mode is same-origin: passing such a request on would turn it into an error.
  if (request.cache === "only-if-cached" && request.mode !== "same-origin") return;
  event.respondWith(withHeaders(request));
});

async function withHeaders(request) {
  const response = await fetch(request);
  // Status 0: a redirect the browser follows itself, or an opaque answer; neither can be
  // rebuilt, and neither is a file of the page.
  if (response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ADDED)) headers.set(name, value);
  // Streaming compilation (WebAssembly.instantiateStreaming) insists on this type; many hosts
  // send another for .wasm.
  if (new URL(request.url).pathname.endsWith(".wasm")) {
    headers.set("Content-Type", "application/wasm");
  }
  // The body streams through: python.wasm and python.data are not held in memory here.
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
