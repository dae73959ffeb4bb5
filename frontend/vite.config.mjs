// Builds one ES module per page and the stylesheet into ../static/frontend/ under fixed
// names, so Django templates can name them with {% static %}; whitenoise's manifest
// storage adds the content hashes at collectstatic.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const source = (path) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  base: "./",
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL("../static/frontend/", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    modulePreload: { polyfill: false },
    // Cornerstone3D (viewer) and plotly (flow player, QA dashboard) are large by nature and
    // load only on those pages; the warning would fire on every build.
    chunkSizeWarningLimit: 5000,
    rolldownOptions: {
      input: {
        worklist: source("entries/worklist.ts"),
        job: source("entries/job.ts"),
        health: source("entries/health.ts"),
        viewer: source("entries/viewer.ts"),
        dashboard: source("entries/dashboard.ts"),
        validation: source("entries/validation.ts"),
        survey: source("entries/survey.ts"),
        reading: source("entries/reading.ts"),
        studyStatistics: source("entries/studyStatistics.ts"),
        app: source("styles/app.css"),
      },
      output: {
        entryFileNames: "[name].js",
        chunkFileNames: "chunks/[name].js",
        assetFileNames: "[name][extname]",
      },
    },
  },
  test: {
    environment: "happy-dom",
    environmentOptions: { happyDOM: { url: "http://127.0.0.1:8000/worklist/" } },
    include: ["tests/**/*.test.ts"],
    restoreMocks: true,
  },
});
