import { describe, expect, it, vi } from "vitest";
import { showSmallComponents } from "../src/viewer/smallComponents";
import { segmentation } from "./viewerFixtures";

const component = (index: number, volume: number) => ({
  id: 100 + index,
  index,
  label: 1,
  label_voxels: {},
  voxel_count: 2,
  volume_ml: volume,
  centroid_mm: [10, -20, 30],
  bbox: [],
  below_minimum: true,
});

describe("showSmallComponents", () => {
  it("counts the components below the minimum and lists them when opened", async () => {
    document.body.innerHTML = "<div></div>";
    const root = document.querySelector("div")!;
    const goTo = vi.fn();
    const fetchPage = vi.fn(async () => ({ count: 3, next: "page 2", results: [component(4, 0.002), component(9, 0.001)] }));
    showSmallComponents(root, segmentation(5, { below_minimum_count: 3, minimum_lesion_ml: 0.1 }), goTo, fetchPage);
    expect(root.querySelector("summary")!.textContent).toBe("3 smaller components below 0.1 mL, not lesions");
    expect(fetchPage).not.toHaveBeenCalled();

    const details = root.querySelector("details")!;
    details.open = true;
    details.dispatchEvent(new Event("toggle"));
    await vi.waitFor(() => expect(root.querySelectorAll("li button")).toHaveLength(2));
    expect(fetchPage).toHaveBeenCalledWith("/api/segmentations/5/lesions/?below_minimum=true");
    expect(root.querySelector("ol")!.textContent).toBe("#4 lesion 0.002 mL#9 lesion 0.001 mL… the first 2 of 3");
    root.querySelector<HTMLButtonElement>("li button")!.click();
    expect(goTo).toHaveBeenCalledWith([-10, 20, 30]); // RAS from the API, LPS in the viewer
  });

  it("says nothing when every component is a lesion", () => {
    document.body.innerHTML = "<div></div>";
    const root = document.querySelector("div")!;
    showSmallComponents(root, segmentation(5), vi.fn());
    expect(root.childElementCount).toBe(0);
  });
});
