// Job progress: live progress of each background job shown on the page.
import { followJob } from "../job";

for (const section of document.querySelectorAll<HTMLElement>("section[data-job]")) {
  followJob(section);
}
