import { describe, expect, it } from "vitest";
import { markVerdicts, renderLesionPanel } from "../src/viewer/lesionPanel";
import { VerdictBook } from "../src/viewer/lesionVerdicts";
import { verdict } from "./gradingFixtures";
import { lesion } from "./viewerFixtures";

const priors = [
  { id: 11, date: "2025-02-01" },
  { id: 10, date: null },
];

function rowTexts(table: HTMLTableElement): string[][] {
  return [...table.querySelectorAll("tr")].map((row) =>
    [...row.querySelectorAll("th, td")].map((cell) => cell.textContent ?? ""),
  );
}

describe("lesion panel", () => {
  it("gives each prior its own volume column, a dash where the lesion was not found", () => {
    const table = document.createElement("table");
    const grown = lesion(1, {
      volume_ml: 3,
      change: { prior_volume_ml: 2, delta_ml: 1, delta_percent: 50 },
      prior_volumes: [
        { exam: 11, volume_ml: 2 },
        { exam: 10, volume_ml: null },
      ],
    });

    renderLesionPanel(table, [grown], priors, () => {});

    expect(rowTexts(table)).toEqual([
      ["#", "Label", "mL", "mL\nt−1", "mL\nt−2", "Δ mL", "Δ %", ""],
      ["1", "lesion", "3.00", "2.00", "–", "+1.00", "+50%", ""],
    ]);
    expect([...table.querySelectorAll("th")].slice(3, 5).map((th) => th.title)).toEqual([
      "mL at t−1, 2025-02-01",
      "mL at t−2, undated",
    ]);
  });

  it("marks each lesion's standing verdict", () => {
    const table = document.createElement("table");
    renderLesionPanel(table, [lesion(1), lesion(2)], [], () => {});
    markVerdicts(table, new VerdictBook([verdict(1, { lesion: 2, decision: "rejected" })]));
    const row = table.querySelector<HTMLTableRowElement>("tr[data-lesion-id='2']")!;
    expect(row.dataset.decision).toBe("rejected");
    expect(row.cells[0]!.textContent).toBe("✗2");
    expect(row.cells[0]!.title).toMatch(/^rejected \(false positive\) by dr\. reader/);
    markVerdicts(table, new VerdictBook([verdict(2, { lesion: 2, decision: "accepted", supersedes: 1 }), verdict(1, { lesion: 2, decision: "rejected" })]));
    expect(row.dataset.decision).toBe("accepted");
    expect(table.querySelector("tr[data-lesion-id='1']")!.hasAttribute("data-decision")).toBe(false);
  });
});
