// The API reference: swagger-ui (a maintained OpenAPI renderer, served from this Worker's own assets)
// reading the OpenAPI document the Worker generates from its validation schemas. No validator badge (it
// would call out to a public service), deep links to each operation, "Try it out" with a bearer key.
window.SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#reference",
  deepLinking: true,
  validatorUrl: null,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
  filter: true,
  persistAuthorization: false,
});
