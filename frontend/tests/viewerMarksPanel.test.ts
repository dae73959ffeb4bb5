import { describe, expect, it, vi } from "vitest";
import { MarkList, type MarkRules } from "../src/viewer/marks/marksModel";
import { MarksPanel } from "../src/viewer/marks/marksPanel";

function panelWith(rules: MarkRules) {
  const section = document.createElement("section");
  section.hidden = true;
  const list = new MarkList(rules);
  const actions = { goTo: vi.fn(), marking: vi.fn() };
  const panel = new MarksPanel(section, list, actions);
  const items = () => [...section.querySelectorAll<HTMLLIElement>(".viewer-marks-list > li")];
  const status = () => section.querySelector(".viewer-marks-status")!.textContent;
  return { section, list, actions, panel, items, status };
}

const buttonIn = (item: HTMLElement, text: string) => [...item.querySelectorAll("button")].find((button) => button.textContent === text)!;

describe("MarksPanel", () => {
  it("shows itself with no marks as the answer none", () => {
    const { section, items } = panelWith({ labels: [] });
    expect(section.hidden).toBe(false);
    expect(items()).toHaveLength(0);
    expect(section.querySelector<HTMLElement>(".viewer-marks-empty")!.hidden).toBe(false);
  });

  it("lists each mark, numbered, with its position in millimetres", () => {
    const { section, list, items } = panelWith({ labels: [] });
    list.add([12.34, -5, 7.25]);
    list.add([0, 0, 0]);
    expect(items().map((item) => item.querySelector("span")!.textContent)).toEqual(["Mark 1: 12.3, -5.0, 7.3 mm", "Mark 2: 0.0, 0.0, 0.0 mm"]);
    expect(section.querySelector<HTMLElement>(".viewer-marks-empty")!.hidden).toBe(true);
  });

  it("moves the viewer to a mark and removes one from its line", () => {
    const { list, actions, items } = panelWith({ labels: [] });
    list.add([1, 2, 3]);
    list.add([4, 5, 6]);
    buttonIn(items()[1]!, "Go to").click();
    expect(actions.goTo).toHaveBeenCalledWith(list.marks[1]);
    buttonIn(items()[0]!, "Remove").click();
    expect(list.marks.map((mark) => mark.positionMm)).toEqual([[4, 5, 6]]);
    expect(items()[0]!.dataset.mark).toBe("1");
  });

  it("offers the question's labels for each mark, none picked at first", () => {
    const { list, items } = panelWith({ labels: ["new", "enlarging"] });
    list.add([1, 2, 3]);
    const select = items()[0]!.querySelector("select")!;
    expect([...select.options].map((option) => option.text)).toEqual(["no label", "new", "enlarging"]);
    expect(select.value).toBe("");
    select.value = "enlarging";
    select.dispatchEvent(new Event("change"));
    expect(list.marks[0]!.label).toBe("enlarging");
  });

  it("has no label choice where the question has no labels", () => {
    const { list, items } = panelWith({ labels: [] });
    list.add([1, 2, 3]);
    expect(items()[0]!.querySelector("select")).toBeNull();
  });

  it("toggles marking from its button, pressed while on", () => {
    const { panel, actions, status } = panelWith({ labels: [] });
    panel.toggle.click();
    expect(panel.marking).toBe(true);
    expect(panel.toggle.getAttribute("aria-pressed")).toBe("true");
    expect(actions.marking).toHaveBeenLastCalledWith(true);
    expect(status()).toContain("Click the current exam's image");
    panel.toggle.click();
    expect(actions.marking).toHaveBeenLastCalledWith(false);
    expect(status()).toBe("");
  });

  it("says when the most marks allowed are placed", () => {
    const { panel, list, section, status } = panelWith({ max: 2, labels: [] });
    panel.setMarking(true);
    list.add([1, 2, 3]);
    expect(section.querySelector(".viewer-marks-count")!.textContent).toBe("(1 of at most 2)");
    list.add([4, 5, 6]);
    expect(status()).toBe("The most marks allowed (2) are placed: remove one to mark another lesion.");
  });
});
