import { describe, expect, it } from "vitest";
import { renderLesionPanel } from "../src/viewer/lesionPanel";
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
      ["#", "Label", "mL", "mL 2025-02-01", "mL undated", "Δ mL", "Δ %", ""],
      ["1", "lesion", "3.00", "2.00", "–", "+1.00", "+50%", ""],
    ]);
  });
});
