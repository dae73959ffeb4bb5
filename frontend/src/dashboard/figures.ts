import type { Data, Layout } from "plotly.js-dist-min";
import type { AlarmVerdicts, LabelVerdicts, QualityDashboard, VersionGrading } from "./types";

/** A chart: its traces and what its layout adds to the common one. */
export interface Figure {
  data: Data[];
  layout: Partial<Layout>;
}

// EASE grades 5 (Perfect) … 1 (Terrible), green to red: the order of Tables 2 and 4.
const EASE_KEYS = ["ease_5", "ease_4", "ease_3", "ease_2", "ease_1"] as const;
const GRADE_COLORS = ["#1a7f37", "#7cb342", "#d4a72c", "#e07b39", "#c62828"];
const VERSION_COLORS = ["#175c99", "#b35c00", "#5b3f99", "#2e7d6e", "#8a3b5c", "#4f5a66"];

/** A model version's name on an axis: the versions of a composite's parts on a second line. */
export function axisLabel(modelVersion: string): string {
  return modelVersion.replace(" (", "<br>(");
}

/**
 * Grade distribution per model version: one stacked bar per version, one segment per EASE
 * grade (% of the version's EASE-graded segmentations), the acceptance rate written above.
 */
export function gradeFigure(grading: readonly VersionGrading[]): Figure {
  const versions = grading.map((version) => axisLabel(version.model_version));
  const data: Data[] = EASE_KEYS.map((key, index) => {
    const shares = grading.map((version) => version.rows.find((row) => row.key === key));
    return {
      type: "bar",
      name: shares.find(Boolean)?.label ?? key,
      x: versions,
      y: shares.map((share) => share?.percent ?? 0),
      customdata: shares.map((share) => share?.count ?? 0),
      marker: { color: GRADE_COLORS[index] },
      hovertemplate: "%{x}<br>%{fullData.name}: %{customdata} (%{y:.0f} %)<extra></extra>",
    };
  });
  const annotations = grading.map((version) => {
    const acceptable = version.rows.find((row) => row.key === "acceptable");
    return {
      x: axisLabel(version.model_version),
      y: 100,
      yanchor: "bottom" as const,
      showarrow: false,
      text: `${acceptable?.percent?.toFixed(0) ?? "–"} % acceptable (n = ${version.assessed})`,
    };
  });
  return {
    data,
    layout: {
      barmode: "stack",
      yaxis: { title: { text: "% of EASE grades" }, range: [0, 112] },
      annotations,
    },
  };
}

/** Lesion acceptance per region: one group per region, one bar per model version. */
export function lesionFigure(lesions: readonly LabelVerdicts[]): Figure {
  const regions = [...new Set(lesions.map((row) => row.label))];
  const versions = [...new Set(lesions.map((row) => row.model_version))];
  const data: Data[] = versions.map((version, index) => {
    const rows = regions.map((region) => lesions.find((row) => row.model_version === version && row.label === region));
    return {
      type: "bar",
      name: version,
      x: regions,
      y: rows.map((row) => row?.acceptance_percent ?? null),
      customdata: rows.map((row) => [row?.accepted ?? 0, row?.rejected ?? 0]),
      marker: { color: VERSION_COLORS[index % VERSION_COLORS.length] },
      hovertemplate: "%{fullData.name}, %{x}<br>%{customdata[0]} accepted, %{customdata[1]} rejected (%{y:.0f} %)<extra></extra>",
    };
  });
  return { data, layout: { barmode: "group", yaxis: { title: { text: "% of lesions accepted" }, range: [0, 100] } } };
}

/**
 * Alarm verdicts per kind: stacked counts of true, false and not yet judged alarms, the
 * true-alarm rate (of the judged ones) written above each bar.
 */
export function alarmFigure(alarms: readonly AlarmVerdicts[]): Figure {
  // two-word kinds on two lines: the labels stay horizontal and clear of the legend
  const kinds = alarms.map((row) => row.kind_display.replace(" ", "<br>"));
  const stack = (name: string, counts: number[], color: string): Data => ({
    type: "bar",
    name,
    x: kinds,
    y: counts,
    marker: { color },
    hovertemplate: `%{x}: %{y} ${name.toLowerCase()}<extra></extra>`,
  });
  return {
    data: [
      stack("True alarms", alarms.map((row) => row.true_alarms), "#c62828"),
      stack("False alarms", alarms.map((row) => row.false_alarms), "#7cb342"),
      stack("Not judged", alarms.map((row) => row.unjudged), "#aeb8c3"),
    ],
    layout: {
      barmode: "stack",
      yaxis: { title: { text: "alarms" }, rangemode: "tozero" },
      annotations: alarms.map((row, index) => ({
        x: kinds[index],
        y: row.raised,
        yanchor: "bottom" as const,
        showarrow: false,
        text: row.true_percent === null ? "not judged" : `${row.true_percent.toFixed(0)} % true`,
      })),
    },
  };
}

/** Every figure of the dashboard, by the name of its chart element. */
export function dashboardFigures(dashboard: QualityDashboard): Record<string, Figure> {
  return {
    grades: gradeFigure(dashboard.grading),
    lesions: lesionFigure(dashboard.lesions),
    alarms: alarmFigure(dashboard.alarms),
  };
}
