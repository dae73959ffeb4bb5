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

/** The command of a key press, or none for modified keys and keys typed into a control. */
export function viewerCommand(event: KeyboardEvent): ViewerCommand | undefined {
  if (event.altKey || event.ctrlKey || event.metaKey || isTyping(event.target)) return undefined;
  return COMMANDS[event.key];
}

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}
