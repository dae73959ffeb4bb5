import type { ViewerMode } from "./viewerOptions";

/** What a key does on the viewer page (viewer contract: arrows, n/p, o, f; lesion review: a, r, m, u, Esc; g grades; M (Shift+m) lesion marks). */
export type ViewerCommand =
  | "previous-slice"
  | "next-slice"
  | "next-lesion"
  | "previous-lesion"
  | "accept-lesion"
  | "reject-lesion"
  | "add-lesion"
  | "undo-verdict"
  | "cancel"
  | "grade"
  | "toggle-overlay"
  | "flow"
  | "mark-lesion";

const COMMANDS: Record<string, ViewerCommand> = {
  ArrowUp: "previous-slice",
  ArrowDown: "next-slice",
  n: "next-lesion",
  p: "previous-lesion",
  a: "accept-lesion",
  r: "reject-lesion",
  m: "add-lesion",
  u: "undo-verdict",
  Escape: "cancel",
  g: "grade",
  o: "toggle-overlay",
  f: "flow",
  M: "mark-lesion",
};

/** The commands that write clinical records (verdicts, grades): none of them works in a study reading. */
const CLINICAL: ReadonlySet<ViewerCommand> = new Set(["accept-lesion", "reject-lesion", "add-lesion", "undo-verdict", "grade"]);

/** The command of a key press in this mode, or none for modified keys and keys typed into a control. */
export function viewerCommand(event: KeyboardEvent, mode: ViewerMode): ViewerCommand | undefined {
  if (event.altKey || event.ctrlKey || event.metaKey || isTyping(event.target)) return undefined;
  const command = COMMANDS[event.key];
  return command && worksIn(command, mode) ? command : undefined;
}

const worksIn = (command: ViewerCommand, mode: ViewerMode): boolean => mode === "review" || !CLINICAL.has(command);

/** The shortcut help, in reading order; lesion marks tell their own key where the page asks for them. */
const HELP: readonly { keys: string; does: string; command: ViewerCommand }[] = [
  { keys: "<kbd>n</kbd>/<kbd>p</kbd>", does: "next/previous", command: "next-lesion" },
  { keys: "<kbd>a</kbd>", does: "accept", command: "accept-lesion" },
  { keys: "<kbd>r</kbd>", does: "reject (false positive)", command: "reject-lesion" },
  { keys: "<kbd>m</kbd>", does: "add missed", command: "add-lesion" },
  { keys: "<kbd>u</kbd>", does: "undo", command: "undo-verdict" },
  { keys: "<kbd>g</kbd>", does: "grade", command: "grade" },
  { keys: "<kbd>↑</kbd>/<kbd>↓</kbd>", does: "slice", command: "next-slice" },
  { keys: "<kbd>o</kbd>", does: "overlay", command: "toggle-overlay" },
  { keys: "<kbd>f</kbd>", does: "flow", command: "flow" },
  { keys: "<kbd>Esc</kbd>", does: "cancel", command: "cancel" },
];

/** The shortcut help (HTML) for the keys that work in this mode. */
export function keyHelp(mode: ViewerMode): string {
  return HELP.filter((entry) => worksIn(entry.command, mode))
    .map((entry) => `${entry.keys} ${entry.does}`)
    .join(" · ");
}

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}
