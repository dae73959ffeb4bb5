import { beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../src/net/apiJson";
import type { Assessment, AssessmentInput, GradingPanelData, InferenceJob, Scale } from "../src/viewer/gradingApi";
import { GradingPanel, volumeSummary } from "../src/viewer/gradingPanel";
import type { Stopwatch } from "../src/viewer/readingClock";
import { assessment } from "./gradingFixtures";
import { segmentation } from "./viewerFixtures";

const EASE: Scale = {
  scale: "ease",
  name: "EASE",
  field: "grade",
  levels: [
    [5, "Perfect"],
    [4, "Good"],
    [3, "Fair"],
    [2, "Poor"],
    [1, "Terrible"],
  ].map(([value, label]) => ({ value: value as number, label: label as string, roman: "", methods_score: null, table5_score: null, criteria: {} })),
};

const FOUR_LEVEL: Scale = {
  scale: "four_level",
  name: "Four levels",
  field: "four_level",
  levels: [
    [4, "I", "Acceptable"],
    [3, "II", "Acceptable with minor revision"],
    [2, "III", "Acceptable with major revision"],
    [1, "IV", "Not acceptable"],
  ].map(([value, roman, label]) => ({
    value: value as number,
    label: label as string,
    roman: roman as string,
    methods_score: value as number,
    table5_score: (value as number) - 1,
    criteria: { small: `small ${roman}`, medium: `medium ${roman}`, large: `large ${roman}` },
  })),
};

const panelData = (scale: Scale): GradingPanelData => ({
  segmentation: 5,
  scale,
  regions: [
    { region: "enhancing", volume_ml: 1.25 },
    { region: "oedema", volume_ml: 10.5 },
    { region: "WT", volume_ml: 11.75 },
  ],
  listed_lesions: 3,
  below_minimum_lesions: 12,
  minimum_lesion_ml: 0.1,
});

/** The grading API as the server would answer, with a history to start from. */
function fakeApi(history: Assessment[] = [], scale: Scale = EASE) {
  let stored = [...history];
  return {
    panel: vi.fn(async () => panelData(scale)),
    stored: () => stored,
    /** Someone else grades meanwhile. */
    gradedMeanwhile: (other: Assessment) => (stored = [other, ...stored]),
    assessments: vi.fn(async () => [...stored]),
    assess: vi.fn(async (_segmentation: number, input: AssessmentInput) => {
      if ((input.supersedes ?? null) !== (stored[0]?.id ?? null)) {
        throw new ApiError(409, { detail: "someone graded this segmentation meanwhile: reload to see their assessment" });
      }
      const saved = assessment(100 + stored.length, { ...input, grade: input.grade ?? null, four_level: input.four_level ?? null });
      stored = [saved, ...stored];
      return saved;
    }),
    segmentAgain: vi.fn(async (patient: string) => ({ id: 7, patient, status: "queued", progress: 0, message: "", error: "", device: "", created_at: "", finished_at: null }) as InferenceJob),
  };
}

const readingTime = (ms: number): Pick<Stopwatch, "take" | "putBack"> => ({ take: () => ms, putBack: vi.fn() });

function choose(panel: GradingPanel, name: string, value: string): void {
  panel.form.querySelector<HTMLInputElement>(`input[name=${name}][value="${value}"]`)!.checked = true;
}

function type(panel: GradingPanel, comment: string): void {
  panel.form.querySelector("textarea")!.value = comment;
}

const submit = async (panel: GradingPanel) => {
  panel.form.requestSubmit();
  await vi.waitFor(() => expect(panel.form.querySelector<HTMLButtonElement>("button")!.disabled).toBe(false));
  await new Promise((resolve) => setTimeout(resolve));
};

const historyTexts = (root: HTMLElement) => [...root.querySelectorAll(".viewer-history li")].map((li) => li.textContent);

describe("GradingPanel", () => {
  let root: HTMLElement;
  beforeEach(() => {
    document.body.innerHTML = "<section></section>";
    root = document.querySelector("section")!;
  });

  it("names the result's model versions with their compatibility group", async () => {
    const panel = new GradingPanel(root, fakeApi(), readingTime(0), "GL-0001");
    await panel.show(segmentation(5, { model_versions: [{ name: "unet-wt 3.0", live: true, compatibility_group: 2 }] }));
    expect(root.querySelector(".viewer-model-versions")!.textContent).toBe("unet-wt 3.0 · group 2");
    expect(root.querySelector<HTMLElement>(".viewer-comparability")!.hidden).toBe(true);
  });

  it("warns, beside the grading form, that a prior's volumes cannot be compared", async () => {
    const panel = new GradingPanel(root, fakeApi(), readingTime(0), "GL-0001");
    const warning = "Prior exam 1 was segmented by incompatible model versions (…): volumes cannot be compared";
    await panel.show(segmentation(5, { comparability: [warning] }));
    const list = root.querySelector<HTMLElement>(".viewer-comparability")!;
    expect(list.hidden).toBe(false);
    expect([...list.querySelectorAll("li")].map((li) => li.textContent)).toEqual([warning]);
  });

  it("offers no new segmentation where every prior compares", async () => {
    const panel = new GradingPanel(root, fakeApi(), readingTime(0), "GL-0001");
    await panel.show(segmentation(5));
    expect(root.querySelector<HTMLElement>(".viewer-rerun")!.hidden).toBe(true);
  });

  it("segments the patient's priors again with the live versions, and links to the job", async () => {
    const api = fakeApi();
    const panel = new GradingPanel(root, api, readingTime(0), "GL-0001");
    await panel.show(segmentation(5, { comparability: ["Prior exam 1 was segmented by incompatible model versions"] }));
    const offer = root.querySelector<HTMLElement>(".viewer-rerun")!;
    expect(offer.hidden).toBe(false);
    offer.querySelector("button")!.click();
    await vi.waitFor(() => expect(offer.querySelector("a")).not.toBeNull());
    expect(api.segmentAgain).toHaveBeenCalledWith("GL-0001");
    expect(offer.querySelector("a")!.getAttribute("href")).toBe("/inference/7/");
    expect(offer.querySelector("button")!.disabled).toBe(true);
  });

  it("says why the segmentation was not queued, and lets the reader try again", async () => {
    const api = fakeApi();
    api.segmentAgain.mockRejectedValueOnce(new ApiError(429, { detail: "Your waiting segmentation jobs are at the limit of 2" }));
    const panel = new GradingPanel(root, api, readingTime(0), "GL-0001");
    await panel.show(segmentation(5, { comparability: ["Prior exam 1 was segmented by incompatible model versions"] }));
    const offer = root.querySelector<HTMLElement>(".viewer-rerun")!;
    offer.querySelector("button")!.click();
    await vi.waitFor(() => expect(offer.querySelector("span")!.textContent).toContain("Not queued"));
    expect(offer.querySelector("span")!.textContent).toContain("at the limit of 2");
    expect(offer.querySelector("button")!.disabled).toBe(false);
  });

  it("records acceptability and grade apart, with the comment and the case's reading time", async () => {
    const api = fakeApi();
    const panel = new GradingPanel(root, api, readingTime(42_000), "GL-0001");
    await panel.show(segmentation(5));
    choose(panel, "acceptable", "false");
    choose(panel, "level", "4");
    type(panel, "oedema under-segmented");
    await submit(panel);
    expect(api.assess).toHaveBeenCalledWith(5, {
      acceptable: false,
      grade: 4,
      comment: "oedema under-segmented",
      supersedes: null,
      reading_time_ms: 42_000,
    });
    expect(historyTexts(root)[0]).toMatch(/^Unacceptable · 4 Good dr\. reader, .* \(standing\)oedema under-segmented$/);
  });

  it("sends nothing until both acceptability and grade are chosen (nothing is preselected)", async () => {
    const api = fakeApi();
    const panel = new GradingPanel(root, api, readingTime(0), "GL-0001");
    await panel.show(segmentation(5));
    expect([...panel.form.querySelectorAll<HTMLInputElement>("input[type=radio]")].some((r) => r.checked)).toBe(false);
    choose(panel, "level", "5");
    await submit(panel);
    expect(api.assess).not.toHaveBeenCalled();
    expect(root.querySelector(".viewer-grading-message")!.textContent).toBe("Choose Acceptable or Unacceptable.");
  });

  it("on a stale form shows the server's message and the new history, and keeps what was typed", async () => {
    const api = fakeApi([assessment(1, { reader_name: "dr. first" })]);
    const panel = new GradingPanel(root, api, readingTime(5_000), "GL-0001");
    await panel.show(segmentation(5));
    api.gradedMeanwhile(assessment(2, { reader_name: "dr. other", acceptable: false, grade: 2, supersedes: 1 }));
    choose(panel, "acceptable", "true");
    choose(panel, "level", "5");
    type(panel, "fine");
    await submit(panel);

    expect(root.querySelector(".viewer-grading-message")!.textContent).toMatch(/someone graded this segmentation meanwhile/);
    expect(historyTexts(root).map((text) => text!.split(" dr.")[0])).toEqual(["Unacceptable · 2 Poor", "Acceptable · 4 Good"]);
    expect(root.querySelector<HTMLDetailsElement>(".viewer-history")!.open).toBe(true);
    expect(panel.form.querySelector<HTMLInputElement>("input[name=level]:checked")!.value).toBe("5");
    expect(panel.form.querySelector("textarea")!.value).toBe("fine");

    await submit(panel); // again, now over the other reader's assessment
    expect(api.assess).toHaveBeenLastCalledWith(5, expect.objectContaining({ supersedes: 2, grade: 5, comment: "fine" }));
    expect(api.stored()).toHaveLength(3);
  });

  it("grades on the four-level scale when the project does, acceptable meaning grades I–II", async () => {
    const api = fakeApi([], FOUR_LEVEL);
    const panel = new GradingPanel(root, api, readingTime(0), "GL-0001");
    await panel.show(segmentation(5));
    expect(panel.form.querySelector("input[name=acceptable]")).toBeNull();
    expect(panel.form.querySelector("label[title]")!.getAttribute("title")).toBe("small: small I\nmedium: medium I\nlarge: large I");
    choose(panel, "level", "3");
    await submit(panel);
    expect(api.assess).toHaveBeenCalledWith(5, expect.objectContaining({ four_level: 3, acceptable: true }));
    expect(api.assess.mock.calls[0]![1]).not.toHaveProperty("grade");
  });

  it("keeps a draft while the reader looks at another segmentation", async () => {
    const api = fakeApi();
    const panel = new GradingPanel(root, api, readingTime(0), "GL-0001");
    await panel.show(segmentation(5));
    choose(panel, "level", "2");
    type(panel, "draft");
    await panel.show(segmentation(6));
    expect(panel.form.querySelector("textarea")!.value).toBe("");
    await panel.show(segmentation(5));
    expect(panel.form.querySelector("textarea")!.value).toBe("draft");
    expect(panel.form.querySelector<HTMLInputElement>("input[name=level]:checked")!.value).toBe("2");
  });

  it("shows the volumes and component counts being graded, smaller components included", async () => {
    const panel = new GradingPanel(root, fakeApi(), readingTime(0), "GL-0001");
    await panel.show(segmentation(5));
    expect(root.querySelector(".viewer-volumes")!.textContent).toBe(
      "enhancing 1.25 · oedema 10.50 · WT 11.75 mL · 3 lesions, 12 smaller components (< 0.1 mL)",
    );
    expect(volumeSummary({ regions: [], listed_lesions: 1, below_minimum_lesions: 0, minimum_lesion_ml: null })).toBe("1 lesion");
  });
});
