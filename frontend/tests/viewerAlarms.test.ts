import { describe, expect, it } from "vitest";
import type { ViewerAlarm } from "../src/types/ViewerManifest";
import { renderAlarms } from "../src/viewer/alarms";

const alarm = (id: number, exam: number): ViewerAlarm => ({
  id,
  exam,
  segmentation: 3,
  kind: "unreliable",
  kind_display: "Unreliable output",
  reason: "Ensemble members disagree",
  evidence: { dice_median: 0.41, members: ["a", "b"] },
  raised_at: "2025-03-01T10:00:00Z",
});

describe("renderAlarms", () => {
  it("lists the shown exams' alarms with kind, reason and folded evidence", () => {
    const list = document.createElement("ul");
    renderAlarms(list, [alarm(9, 12), alarm(10, 99)], new Map([[12, "current 2025-03-01"]]));
    const items = list.querySelectorAll<HTMLLIElement>("li[data-alarm-id]");
    expect([...items].map((li) => li.dataset.alarmId)).toEqual(["9"]);
    expect(items[0]!.querySelector("strong")!.textContent).toBe("Unreliable output");
    expect(items[0]!.textContent).toContain("Ensemble members disagree");
    expect([...items[0]!.querySelectorAll("details dd")].map((dd) => dd.textContent)).toEqual(["0.41", '["a","b"]']);
  });

  it("replaces the list on each update and says so when none is open", () => {
    const list = document.createElement("ul");
    const exams = new Map([[12, "current"]]);
    renderAlarms(list, [alarm(9, 12)], exams);
    renderAlarms(list, [], exams);
    expect(list.querySelectorAll("li[data-alarm-id]")).toHaveLength(0);
    expect(list.textContent).toBe("No open alarms");
  });
});
