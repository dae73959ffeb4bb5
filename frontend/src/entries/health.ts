// Health page: the service checks, refreshed every 5 s.
import { healthPoller } from "../health";

for (const table of document.querySelectorAll<HTMLElement>("table[data-health]")) {
  healthPoller(table);
}
