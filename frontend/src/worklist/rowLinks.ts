/** Elements inside a row that keep their own click behaviour. */
const OWN_BEHAVIOUR = "a, button, input, select, textarea, label, summary, details, [data-row-link-ignore]";
const ROW = "tr[data-href]";

export interface RowLinkOptions {
  navigate?: (url: string) => void;
  openInNewTab?: (url: string) => void;
}

/**
 * Make every `tr[data-href]` under `root` behave like a link: a click or Enter on the
 * focused row opens it; Ctrl/⌘-click and middle-click open it in a new tab.
 *
 * Links, buttons and form fields inside a row keep working, and a click that only
 * ends a text selection (copying a pseudonym) does not navigate.
 * Returns a function that removes the listeners.
 */
export function rowLinks(
  root: HTMLElement,
  {
    navigate = (url) => window.location.assign(url),
    openInNewTab = (url) => window.open(url, "_blank", "noopener"),
  }: RowLinkOptions = {},
): () => void {
  const onClick = (event: MouseEvent): void => {
    const url = rowUrl(root, event);
    if (url === null || event.defaultPrevented || hasTextSelection()) return;
    if (event.ctrlKey || event.metaKey) openInNewTab(url);
    else navigate(url);
  };
  const onAuxClick = (event: MouseEvent): void => {
    const url = rowUrl(root, event);
    if (url !== null && event.button === 1) openInNewTab(url);
  };
  const onKeyDown = (event: KeyboardEvent): void => {
    const row = event.target;
    if (event.key !== "Enter" || !(row instanceof HTMLElement) || !row.matches(ROW)) return;
    event.preventDefault();
    navigate(row.dataset.href ?? "");
  };

  root.addEventListener("click", onClick);
  root.addEventListener("auxclick", onAuxClick);
  root.addEventListener("keydown", onKeyDown);
  return () => {
    root.removeEventListener("click", onClick);
    root.removeEventListener("auxclick", onAuxClick);
    root.removeEventListener("keydown", onKeyDown);
  };
}

/** The row's URL when the event hit a row itself, not a control inside it. */
function rowUrl(root: HTMLElement, event: Event): string | null {
  const target = event.target;
  if (!(target instanceof Element)) return null;
  const row = target.closest<HTMLElement>(ROW);
  if (row === null || !root.contains(row)) return null;
  const control = target.closest(OWN_BEHAVIOUR);
  if (control !== null && row.contains(control)) return null;
  return row.dataset.href ?? null;
}

function hasTextSelection(): boolean {
  return (window.getSelection()?.toString() ?? "") !== "";
}
