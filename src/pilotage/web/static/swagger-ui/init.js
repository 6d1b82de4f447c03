// Starts Swagger UI on Pilotage's OpenAPI document (a file, not an inline script,
// so that the page keeps its strict Content-Security-Policy).
window.addEventListener("DOMContentLoaded", function () {
  window.SwaggerUIBundle({
    url: "/api/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
  });
});
