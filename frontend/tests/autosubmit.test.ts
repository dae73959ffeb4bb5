import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { autosubmit } from "../src/worklist/autosubmit";

function filterForm(): HTMLFormElement {
  document.body.innerHTML = `
    <form data-autosubmit>
      <input type="search" name="q"><select name="status"><option>new</option><option>done</option></select>
      <input type="checkbox" name="flagged">
    </form>`;
  const form = document.querySelector("form")!;
  form.requestSubmit = vi.fn();
  return form;
}

function type(field: HTMLInputElement, value: string): void {
  field.value = value;
  field.dispatchEvent(new Event("input", { bubbles: true }));
}

describe("autosubmit", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    sessionStorage.clear();
  });
  afterEach(() => vi.useRealTimers());

  it("submits once, 400 ms after the last keystroke in a text field", () => {
    const form = filterForm();
    autosubmit(form);
    const search = form.querySelector<HTMLInputElement>("[name=q]")!;
    type(search, "N");
    vi.advanceTimersByTime(300);
    type(search, "NR");
    vi.advanceTimersByTime(399);
    expect(form.requestSubmit).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(form.requestSubmit).toHaveBeenCalledTimes(1);
  });

  it("submits at once when a select or checkbox changes", () => {
    const form = filterForm();
    autosubmit(form);
    form.querySelector("select")!.dispatchEvent(new Event("change", { bubbles: true }));
    form.querySelector("[type=checkbox]")!.dispatchEvent(new Event("change", { bubbles: true }));
    expect(form.requestSubmit).toHaveBeenCalledTimes(2);
  });

  it("does not submit again when the user pressed Enter before the pause ended", () => {
    const form = filterForm();
    autosubmit(form);
    type(form.querySelector<HTMLInputElement>("[name=q]")!, "NR-0001");
    form.dispatchEvent(new Event("submit"));
    vi.advanceTimersByTime(1000);
    expect(form.requestSubmit).not.toHaveBeenCalled();
  });

  it("refocuses the text field after the reload its typing caused", () => {
    const typed = filterForm();
    autosubmit(typed);
    type(typed.querySelector<HTMLInputElement>("[name=q]")!, "NR-00");
    vi.advanceTimersByTime(400);

    const reloaded = filterForm();
    reloaded.querySelector<HTMLInputElement>("[name=q]")!.value = "NR-00";
    autosubmit(reloaded);
    expect(document.activeElement).toBe(reloaded.querySelector("[name=q]"));
  });
});
