import { describe, expect, it } from "vitest";
import { keyHelp, viewerCommand } from "../src/viewer/keyboard";
import type { ViewerMode } from "../src/viewer/viewerOptions";

const press = (key: string, init: KeyboardEventInit = {}, target: Element = document.body, mode: ViewerMode = "review") => {
  const event = new KeyboardEvent("keydown", { key, bubbles: true, ...init });
  Object.defineProperty(event, "target", { value: target });
  return viewerCommand(event, mode);
};
const pressInStudy = (key: string, init: KeyboardEventInit = {}) => press(key, init, document.body, "study-reading");
/** The keys a shortcut help names, as typed: "n", "↑", "Esc". */
const helpKeys = (mode: ViewerMode) => [...keyHelp(mode).matchAll(/<kbd>(.*?)<\/kbd>/g)].map((match) => match[1]);

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

describe("viewerCommand in a study reading", () => {
  it("does nothing on the verdict and grading keys", () => {
    expect(["a", "r", "m", "u", "g"].map((key) => pressInStudy(key))).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it("keeps the keys that look and navigate, and lesion marks", () => {
    expect(["ArrowUp", "ArrowDown", "n", "p", "o", "f", "Escape"].map((key) => pressInStudy(key))).toEqual(
      ["ArrowUp", "ArrowDown", "n", "p", "o", "f", "Escape"].map((key) => press(key)),
    );
    expect(pressInStudy("M", { shiftKey: true })).toBe("mark-lesion");
  });
});

describe("keyHelp", () => {
  it("names every key of the clinical review", () => {
    expect(helpKeys("review")).toEqual(["n", "p", "a", "r", "m", "u", "g", "↑", "↓", "o", "f", "Esc"]);
  });

  it("names in a study reading only the keys that work there", () => {
    expect(helpKeys("study-reading")).toEqual(["n", "p", "↑", "↓", "o", "f", "Esc"]);
  });
});
