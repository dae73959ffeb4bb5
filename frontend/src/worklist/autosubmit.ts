const TEXT_INPUT_TYPES = new Set(["text", "search", "number", "email", "tel", "url"]);
const FOCUS_KEY = "neuroreview.autosubmit.focus";

type TextField = HTMLInputElement | HTMLTextAreaElement;

export interface AutosubmitOptions {
  /** Quiet time after the last keystroke in a text field before submitting. */
  debounceMs?: number;
  /** Where the field being typed in is remembered across the reload. */
  storage?: Storage;
}

/**
 * Submit a filter form as its values change: at once for choices (select, checkbox,
 * radio, date) and after a pause in typing for text fields.
 *
 * Submitting reloads the page, so the text field being typed in is remembered and
 * refocused, caret at the end, when the form loads again: typing carries on.
 * Returns a function that removes the listeners.
 */
export function autosubmit(
  form: HTMLFormElement,
  { debounceMs = 400, storage = window.sessionStorage }: AutosubmitOptions = {},
): () => void {
  let pending: ReturnType<typeof setTimeout> | undefined;
  const cancel = (): void => clearTimeout(pending);

  const onInput = (event: Event): void => {
    const field = event.target;
    if (!isTextField(field)) return;
    cancel();
    pending = setTimeout(() => {
      safely(() => storage.setItem(FOCUS_KEY, field.name));
      form.requestSubmit();
    }, debounceMs);
  };
  // Text fields also fire "change" on blur; their debounced "input" already covers them.
  const onChange = (event: Event): void => {
    if (isTextField(event.target)) return;
    cancel();
    form.requestSubmit();
  };

  form.addEventListener("input", onInput);
  form.addEventListener("change", onChange);
  form.addEventListener("submit", cancel);
  restoreFocus(form, storage);
  return () => {
    cancel();
    form.removeEventListener("input", onInput);
    form.removeEventListener("change", onChange);
    form.removeEventListener("submit", cancel);
  };
}

function isTextField(target: unknown): target is TextField {
  if (target instanceof HTMLTextAreaElement) return true;
  return target instanceof HTMLInputElement && TEXT_INPUT_TYPES.has(target.type);
}

function restoreFocus(form: HTMLFormElement, storage: Storage): void {
  const name = safely(() => storage.getItem(FOCUS_KEY));
  if (!name) return;
  safely(() => storage.removeItem(FOCUS_KEY));
  const field = form.elements.namedItem(name);
  if (!isTextField(field)) return;
  field.focus();
  // Number and email inputs have no selection API; the caret then stays where it is.
  safely(() => field.setSelectionRange(field.value.length, field.value.length));
}

/** Storage and selection calls may throw (storage disabled, unsupported input type). */
function safely<T>(action: () => T): T | undefined {
  try {
    return action();
  } catch {
    return undefined;
  }
}
