import { describe, expect, it } from "vitest";
import { viewerLayout } from "../src/viewer/viewerLayout";
import { viewerOptions } from "../src/viewer/viewerOptions";

/** A viewer root with these attributes, as viewer/_viewer_root.html writes them. */
function root(attributes: Record<string, string>): HTMLElement {
  document.body.innerHTML = "<div id=viewer></div>";
  const element = document.querySelector<HTMLElement>("#viewer")!;
  for (const [name, value] of Object.entries({ "data-manifest-url": "/api/cases/NR-1/viewer/", ...attributes })) {
    element.setAttribute(name, value);
  }
  return element;
}

describe("viewerOptions", () => {
  it("reads a study reading from the root", () => {
    expect(viewerOptions(root({ "data-study-reading": "true" })).mode).toBe("study-reading");
  });

  it("is a clinical review unless the root says otherwise", () => {
    expect(viewerOptions(root({})).mode).toBe("review");
    expect(viewerOptions(root({ "data-study-reading": "false" })).mode).toBe("review");
  });

  it("reads the manifest, the segmentation to review first and who may review preprocessing", () => {
    expect(viewerOptions(root({ "data-segmentation": "7", "data-may-review-preprocessing": "true" }))).toEqual({
      mode: "review",
      manifestUrl: "/api/cases/NR-1/viewer/",
      initialSegmentation: 7,
      mayReviewPreprocessing: true,
    });
    expect(viewerOptions(root({ "data-segmentation": "" })).initialSegmentation).toBeUndefined();
  });

  it("never lets a study reading review preprocessing", () => {
    const options = viewerOptions(root({ "data-study-reading": "true", "data-may-review-preprocessing": "true" }));
    expect(options.mayReviewPreprocessing).toBe(false);
  });

  it("names the missing manifest", () => {
    const element = root({});
    element.removeAttribute("data-manifest-url");
    expect(() => viewerOptions(element)).toThrow(/data-manifest-url/);
  });
});

describe("viewerLayout", () => {
  it("gives a clinical review its grading panel and preprocessing", () => {
    const element = root({});
    const layout = viewerLayout(element, "review");
    expect(layout.grading).toBe(element.querySelector(".viewer-grading"));
    expect(layout.preprocessing?.section).toBe(element.querySelector(".viewer-preprocessing"));
    expect(layout.keys.textContent).toMatch(/accept/);
  });

  it("makes no place in a study reading for grading or preprocessing, and tells no verdict key", () => {
    const element = root({ "data-study-reading": "true" });
    const layout = viewerLayout(element, "study-reading");
    expect(layout.grading).toBeUndefined();
    expect(layout.preprocessing).toBeUndefined();
    expect(element.querySelectorAll(".viewer-grading, .viewer-preprocessing, button, form")).toHaveLength(0);
    expect(layout.keys.textContent).not.toMatch(/accept|reject|add missed|undo|grade/);
    expect(element.querySelector("#lesion-panel")).toBe(layout.lesions);
  });
});
