/** Colour of a `.badge`; each tone maps to the `badge-<tone>` class in app.css. */
export type BadgeTone = "ok" | "warn" | "bad" | "muted" | "info";
