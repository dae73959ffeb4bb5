import { describe, expect, it, vi } from "vitest";
import { DISPLAYED_EVENT, announceDisplayed } from "../src/viewer/displayed";

describe("announceDisplayed", () => {
  it("marks the root displayed and tells the page when", () => {
    const root = document.createElement("div");
    const heard = vi.fn();
    root.addEventListener("viewer:displayed", (event) => heard((event as CustomEvent).detail));
    announceDisplayed(root, 1234.5);
    expect(root.dataset.displayed).toBe("true");
    expect(heard).toHaveBeenCalledWith({ at: 1234.5 });
  });

  it("tells the page only once", () => {
    const root = document.createElement("div");
    const heard = vi.fn();
    root.addEventListener(DISPLAYED_EVENT, heard);
    announceDisplayed(root, 1);
    announceDisplayed(root, 2);
    expect(heard).toHaveBeenCalledTimes(1);
  });

  it("reaches a listener on the document", () => {
    const root = document.createElement("div");
    document.body.append(root);
    const heard = vi.fn();
    document.addEventListener(DISPLAYED_EVENT, heard, { once: true });
    announceDisplayed(root, 1);
    expect(heard).toHaveBeenCalledTimes(1);
  });
});
