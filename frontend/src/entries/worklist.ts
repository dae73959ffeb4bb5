// Worklist page: filter forms submit themselves; case rows open the case.
import { autosubmit, rowLinks } from "../worklist";

for (const form of document.querySelectorAll<HTMLFormElement>("form[data-autosubmit]")) {
  autosubmit(form);
}
rowLinks(document.body);
