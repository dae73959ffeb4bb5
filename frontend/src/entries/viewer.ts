// Exam viewer: the current exam beside its priors, synchronized, with overlays, lesions, alarms and the flow player.
import { mountViewer } from "../viewer";

const root = document.querySelector<HTMLElement>("#viewer[data-manifest-url]");
if (root) void mountViewer(root);
