import { beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../src/net/apiJson";
import type { LesionVerdict, LesionVerdictInput } from "../src/viewer/gradingApi";
import type { PickedLesion } from "../src/viewer/lesionPick";
import { LesionReview, type LesionReviewHost } from "../src/viewer/lesionReview";
import type { VerdictBook } from "../src/viewer/lesionVerdicts";
import { ReadingClock } from "../src/viewer/readingClock";
import type { ViewerMode } from "../src/viewer/viewerOptions";
import { verdict } from "./gradingFixtures";
import { lesion, segmentation } from "./viewerFixtures";

/** The verdict API as the server would answer: append-only, refusing a stale supersedes. */
function fakeApi(history: LesionVerdict[] = []) {
  let stored = [...history];
  return {
    stored: () => stored,
    verdicts: vi.fn(async () => [...stored]),
    judge: vi.fn(async (_segmentation: number, input: LesionVerdictInput) => {
      if (input.supersedes != null && stored.some((v) => v.supersedes === input.supersedes)) {
        throw new ApiError(409, { detail: "someone judged this lesion meanwhile: reload to see their verdict" });
      }
      // a withdrawal is about the lesion of the verdict it takes back, as the server records it
      const takenBack = input.decision === "withdrawn" ? stored.find((v) => v.id === input.supersedes) : undefined;
      const saved = verdict(stored.length + 1, {
        lesion: takenBack ? takenBack.lesion : (input.lesion ?? null),
        decision: input.decision,
        centre_mm: input.centre_mm ?? null,
        radius_mm: input.radius_mm ?? null,
        supersedes: input.supersedes ?? null,
        reading_time_ms: input.reading_time_ms ?? null,
      });
      stored = [saved, ...stored];
      return saved;
    }),
  };
}

// Reading order: the new lesion first, then the largest.
const shown = segmentation(5, {
  lesions: [
    lesion(11, { index: 1, volume_ml: 3, centroid_mm: [1, 1, 1] }),
    lesion(12, { index: 2, volume_ml: 2, centroid_mm: [2, 2, 2] }),
    lesion(13, { index: 3, volume_ml: 1, centroid_mm: [3, 3, 3], new: true }),
  ],
});

function setUp(history: LesionVerdict[] = [], picked?: PickedLesion, mode: ViewerMode = "review") {
  document.body.innerHTML = "<table></table><span id=progress></span><p id=status></p>";
  let now = 0;
  const clock = new ReadingClock(() => now);
  const api = fakeApi(history);
  const painted: [number, string | undefined][] = [];
  const goTo = vi.fn<LesionReviewHost["goTo"]>();
  const mark = vi.fn<LesionReviewHost["mark"]>();
  const host: LesionReviewHost = {
    goTo,
    paint: (_segmentation, lesions, book: VerdictBook) => {
      for (const l of lesions) painted.push([l.id, book.decision(l.id)]);
    },
    mark,
    pick: async () => picked,
    cancelPick: () => undefined,
  };
  const review = new LesionReview(
    {
      table: document.querySelector("table")!,
      progress: document.querySelector("#progress")!,
      status: document.querySelector("#status")!,
    },
    [],
    api,
    clock,
    host,
    mode,
  );
  return { review, api, host: { goTo, mark }, painted, wait: (ms: number) => (now += ms) };
}

const selected = () => document.querySelector("tr[aria-selected=true]")?.getAttribute("data-lesion-id");

describe("LesionReview", () => {
  beforeEach(() => vi.restoreAllMocks());

  it("accepts the selected lesion with the time spent on it, then moves to the next one", async () => {
    const { review, api, host, wait } = setUp();
    await review.show(shown);
    await review.command("next");
    expect(selected()).toBe("13");
    expect(host.goTo).toHaveBeenLastCalledWith([3, 3, 3]);
    wait(2_500);
    await review.command("accept");
    expect(api.judge).toHaveBeenCalledWith(5, { decision: "accepted", lesion: 13, supersedes: null, reading_time_ms: 2_500 });
    expect(selected()).toBe("11");
    expect(document.querySelector("tr[data-lesion-id='13']")!.getAttribute("data-decision")).toBe("accepted");
    expect(document.querySelector("#progress")!.textContent).toBe("1 of 3 with a verdict");
  });

  it("judges as many lesions as keys were pressed, however fast", async () => {
    const { review, api } = setUp();
    await review.show(shown);
    void review.command("next");
    void review.command("accept");
    void review.command("reject");
    await review.command("accept");
    expect(api.stored().map((v) => [v.lesion, v.decision]).reverse()).toEqual([
      [13, "accepted"],
      [11, "rejected"],
      [12, "accepted"],
    ]);
    expect(document.querySelector("#status")!.textContent).toMatch(/All 3 lesions have a verdict/);
  });

  it("paints a rejected lesion as rejected (green), and back when the rejection is undone", async () => {
    const { review, painted } = setUp([verdict(1, { lesion: 13, decision: "accepted" })]);
    await review.show(shown);
    await review.command("next");
    await review.command("reject");
    expect(painted.at(-1)).toEqual([13, "rejected"]);
    await review.command("undo");
    expect(painted.at(-1)).toEqual([13, "accepted"]);
  });

  it("undoes with a new verdict that supersedes the one undone", async () => {
    const { review, api } = setUp([verdict(1, { lesion: 13, decision: "accepted" })]);
    await review.show(shown);
    await review.command("next");
    await review.command("reject");
    await review.command("undo");
    expect(api.judge).toHaveBeenLastCalledWith(5, { decision: "accepted", lesion: 13, supersedes: 2, reading_time_ms: null });
    expect(selected()).toBe("13");
    expect(api.stored()).toHaveLength(3); // nothing was changed or deleted
  });

  it("withdraws an undone first verdict and goes back to its lesion, undecided again", async () => {
    const { review, api } = setUp();
    await review.show(shown);
    await review.command("next");
    await review.command("accept");
    expect(selected()).toBe("11");
    await review.command("undo");
    expect(api.judge).toHaveBeenLastCalledWith(5, expect.objectContaining({ decision: "withdrawn", supersedes: 1 }));
    expect(selected()).toBe("13");
    expect(document.querySelector("#status")!.textContent).toMatch(/lesion 3 withdrawn/);
    expect(document.querySelector("tr[data-lesion-id='13']")!.hasAttribute("data-decision")).toBe(false);
    await review.command("reject");
    expect(api.judge).toHaveBeenLastCalledWith(5, expect.objectContaining({ decision: "rejected", lesion: 13, supersedes: 2 }));
  });

  it("adds a missed lesion where the reader pointed, in RAS millimetres with its extent", async () => {
    const { review, api, host } = setUp([], { centre: [10, -20, 30], radiusMm: 4 });
    await review.show(shown);
    await review.command("add");
    expect(api.judge).toHaveBeenCalledWith(5, expect.objectContaining({ decision: "added", centre_mm: [-10, 20, 30], radius_mm: 4 }));
    expect(host.mark).toHaveBeenLastCalledWith([{ centre: [10, -20, 30], radiusMm: 4 }]);
    expect(document.querySelectorAll("tr[data-added-verdict]")).toHaveLength(1);
  });

  it("on a verdict someone gave meanwhile says so and shows theirs", async () => {
    const { review, api } = setUp();
    await review.show(shown);
    await review.command("next");
    api.judge.mockRejectedValueOnce(new ApiError(409, { detail: "someone judged this lesion meanwhile: reload to see their verdict" }));
    api.verdicts.mockResolvedValueOnce([verdict(9, { lesion: 13, decision: "rejected", reader_name: "dr. other" })]);
    await review.command("accept");
    expect(document.querySelector("#status")!.textContent).toMatch(/someone judged this lesion meanwhile/);
    expect(document.querySelector("tr[data-lesion-id='13']")!.getAttribute("data-decision")).toBe("rejected");
    expect(selected()).toBe("13");
  });
});

describe("LesionReview in a study reading", () => {
  const studySetUp = (history: LesionVerdict[] = []) => setUp(history, { centre: [10, -20, 30], radiusMm: 4 }, "study-reading");

  it("goes to a lesion from the keys and from a click on its row", async () => {
    const { review, host } = studySetUp();
    await review.show(shown);
    await review.command("next");
    expect(selected()).toBe("13");
    expect(host.goTo).toHaveBeenLastCalledWith([3, 3, 3]);
    document.querySelector<HTMLTableRowElement>("tr[data-lesion-id='12']")!.click();
    await review.command("cancel");
    await vi.waitFor(() => expect(selected()).toBe("12"));
    expect(host.goTo).toHaveBeenLastCalledWith([2, 2, 2]);
  });

  it("records no verdict: accept, reject, add a missed lesion and undo do nothing", async () => {
    const { review, api } = studySetUp();
    await review.show(shown);
    await review.command("next");
    for (const command of ["accept", "reject", "add", "undo"] as const) await review.command(command);
    expect(api.judge).not.toHaveBeenCalled();
    expect(selected()).toBe("13");
    expect(document.querySelectorAll("tr[data-added-verdict]")).toHaveLength(0);
    expect(document.querySelector("#status")!.textContent).toBe("");
  });

  it("without a segmentation (an unaided reading) says none is shown, not that there are no lesions", async () => {
    const { review } = studySetUp();
    await review.show(undefined);
    expect(document.querySelector("table tbody")!.textContent).toBe("No segmentation shown");
  });

  it("neither loads nor shows the clinical readers' verdicts", async () => {
    const { review, api } = studySetUp([
      verdict(1, { lesion: 13, decision: "rejected" }),
      verdict(2, { lesion: null, decision: "added", centre_mm: [1, 2, 3] }),
    ]);
    await review.show(shown);
    expect(api.verdicts).not.toHaveBeenCalled();
    expect(document.querySelectorAll("tr[data-decision], tr[data-added-verdict]")).toHaveLength(0);
    expect(document.querySelector("#progress")!.textContent).toBe("");
  });
});
