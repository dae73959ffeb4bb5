// Import job page: live progress of each job shown on it.
import { followImportJob } from "../importJob";

for (const section of document.querySelectorAll<HTMLElement>("section[data-import-job]")) {
  followImportJob(section);
}
