import { describe, expect, it } from "vitest";
import { viewerCommand } from "../src/viewer/keyboard";

const press = (key: string, init: KeyboardEventInit = {}, target: Element = document.body) => {
  const event = new KeyboardEvent("keydown", { key, bubbles: true, ...init });
  Object.defineProperty(event, "target", { value: target });
  return viewerCommand(event);
};

describe("viewerCommand", () => {
  it("maps the contract's keys", () => {
    expect(["ArrowUp", "ArrowDown", "n", "p", "o", "f", "x"].map((key) => press(key))).toEqual([
      "previous-slice",
      "next-slice",
      "next-lesion",
      "previous-lesion",
      "toggle-overlay",
      "flow",
      undefined,
    ]);
  });

  it("maps the lesion review's keys: accept, reject, add a missed one, undo, cancel, grade", () => {
    expect(["a", "r", "m", "u", "Escape", "g"].map((key) => press(key))).toEqual([
      "accept-lesion",
      "reject-lesion",
      "add-lesion",
      "undo-verdict",
      "cancel",
      "grade",
    ]);
  });

  it("maps M (Shift+m) to lesion marks, leaving m to the lesion review", () => {
    expect(press("M", { shiftKey: true })).toBe("mark-lesion");
    expect(press("m")).toBe("add-lesion");
  });

  it("leaves keys typed into a control, or with Ctrl, to the browser", () => {
    expect(press("ArrowDown", {}, document.createElement("select"))).toBeUndefined();
    expect(press("n", { ctrlKey: true })).toBeUndefined();
    expect(press("a", {}, document.createElement("textarea"))).toBeUndefined();
  });
});
