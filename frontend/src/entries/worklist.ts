// Worklist page: filter forms submit themselves; case rows open the case. The stylesheet
// (worklist.css) also serves the case page.
import "../worklist/worklist.css";
import { autosubmit, rowLinks } from "../worklist";

for (const form of document.querySelectorAll<HTMLFormElement>("form[data-autosubmit]")) {
  autosubmit(form);
}
rowLinks(document.body);
