// Job progress: live progress of each background job shown on the page.
import { followJob } from "../job";

// A page that shows the job's results once it has ended (a validation run's cases) asks to be
// reloaded then, with data-reload-when-done around the job's section.
for (const section of document.querySelectorAll<HTMLElement>("section[data-job]")) {
  const reload = section.closest("[data-reload-when-done]") !== null;
  followJob(section, {}, reload ? () => window.location.reload() : undefined);
}
