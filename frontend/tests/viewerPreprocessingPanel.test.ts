import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../src/net/apiJson";
import type { ViewerPreprocessing } from "../src/types/ViewerManifest";
import type { PreprocessingApi, PreprocessingRun } from "../src/viewer/preprocessingApi";
import { PreprocessingPanel } from "../src/viewer/preprocessingPanel";
import { preprocessing } from "./viewerFixtures";

const THICK_FLAIR = { code: "thick_slices", sequence: "FLAIR", reason: "FLAIR has 5.0 mm slices; MS lesion detection does not run" } as const;

function fakeApi(overrides: Partial<PreprocessingApi> = {}): PreprocessingApi {
  return {
    reject: vi.fn(async (run: number) => ({ id: run }) as PreprocessingRun),
    rerun: vi.fn(async () => ({ id: 9 }) as PreprocessingRun),
    ...overrides,
  };
}

function mount(run: ViewerPreprocessing | null, mayReview: boolean, api = fakeApi(), reload = vi.fn(async () => run)) {
  const host = document.createElement("div");
  document.body.replaceChildren(host);
  const panel = new PreprocessingPanel(host, api, mayReview, reload);
  panel.show(4, run);
  return { host, api, reload };
}

/** Submit as the browser does once the fields are valid (happy-dom finds 0.5 off a 0.05 step, Chromium does not). */
const submit = (form: HTMLFormElement) => form.dispatchEvent(new Event("submit", { cancelable: true }));

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("preprocessing panel", () => {
  it("shows the flags as warnings outside the collapsed run", () => {
    const { host } = mount(preprocessing(3, { flags: [THICK_FLAIR] }), false);
    const flag = host.querySelector(".viewer-preprocessing-flags li");
    expect(flag?.textContent).toBe("⚠ Thick slices: FLAIR has 5.0 mm slices; MS lesion detection does not run");
    expect(flag?.closest("details")).toBeNull();
    expect(host.querySelector("details")?.open).toBe(false);
  });

  it("lists each step, done with its tool or skipped with why", () => {
    const { host } = mount(preprocessing(3), false);
    const steps = [...host.querySelectorAll(".viewer-preprocessing-steps li")].map((li) => li.textContent);
    expect(steps).toEqual([
      "Co-registration rigid (SimpleITK) · onto T1CE · 3.2 s",
      "Brain extraction deepbet · 8.1 s",
      "Bias correction (N4) skipped: not asked for",
    ]);
  });

  it("gives a radiologist no reject and no re-run controls", () => {
    const { host } = mount(preprocessing(3), false);
    expect(host.querySelector("form")).toBeNull();
  });

  it("shows a rejection with who, and no Reject form for it", () => {
    const rejected = preprocessing(3, { rejection: { by: "Quinn QA", at: "2026-12-05T01:00:00Z", reason: "mask cuts the cerebellum" } });
    const { host } = mount(rejected, true);
    expect(host.querySelector(".viewer-preprocessing-rejection")?.textContent).toMatch(/^Rejected by Quinn QA on .*: mask cuts the cerebellum$/);
    expect(host.querySelector(".viewer-preprocessing-reject")).toBeNull();
    expect(host.dataset.rejected).toBe("true");
  });

  it("posts a QA admin's rejection with its reason, then shows the run as reloaded", async () => {
    const rejected = preprocessing(3, { rejection: { by: "qa", at: "2026-12-05T01:00:00Z", reason: "bad mask" } });
    const { host, api, reload } = mount(preprocessing(3), true, fakeApi(), vi.fn(async () => rejected));
    host.querySelector<HTMLInputElement>("input[name=reason]")!.value = "bad mask";
    host.querySelector<HTMLFormElement>(".viewer-preprocessing-reject")!.requestSubmit();
    await settle();
    expect(api.reject).toHaveBeenCalledWith(3, "bad mask");
    expect(reload).toHaveBeenCalled();
    expect(host.querySelector(".viewer-preprocessing-rejection")?.textContent).toContain("bad mask");
    expect(host.querySelector(".viewer-preprocessing-message")?.textContent).toMatch(/^Run 3 rejected/);
  });

  it("sends the Run again form's parameters and says the run was queued", async () => {
    const { host, api } = mount(preprocessing(3), true);
    host.querySelector<HTMLSelectElement>("select[name=reference]")!.value = "T1";
    host.querySelector<HTMLInputElement>("input[name=brain_threshold]")!.value = "0.35";
    host.querySelector<HTMLInputElement>("input[name=bias_correction]")!.checked = true;
    submit(host.querySelector<HTMLFormElement>(".viewer-preprocessing-rerun form")!);
    await settle();
    expect(api.rerun).toHaveBeenCalledWith({
      exam: 4,
      reference: "T1",
      brain_extraction: true,
      brain_threshold: 0.35,
      brain_dilate_voxels: 0,
      bias_correction: true,
    });
    expect(host.querySelector(".viewer-preprocessing-message")?.textContent).toMatch(/^Run 9 queued/);
  });

  it("shows the server's reason when it refuses to run again", async () => {
    const refused = new ApiError(409, { detail: "models have segmented exam 2" });
    const { host } = mount(preprocessing(3), true, fakeApi({ rerun: vi.fn(async () => Promise.reject(refused)) }));
    submit(host.querySelector<HTMLFormElement>(".viewer-preprocessing-rerun form")!);
    await settle();
    const message = host.querySelector(".viewer-preprocessing-message")!;
    expect(message.textContent).toBe("Refused: models have segmented exam 2");
    expect(message.classList.contains("is-error")).toBe(true);
  });
});
