import type { ViewerSeries } from "../types/ViewerManifest";

export type WindowPreset = "manifest" | "brain" | "wide";
export type GreyWindow = ViewerSeries["window"];
export interface VoiRange {
  lower: number;
  upper: number;
}

export const WINDOW_PRESETS: { value: WindowPreset; label: string }[] = [
  { value: "manifest", label: "Auto" },
  { value: "brain", label: "Brain" },
  { value: "wide", label: "Wide" },
];

// MR intensities have no absolute unit, so the presets scale the series' own robust
// window (the server's 0.5–99.5 percentiles in the brain): narrower for grey/white
// contrast, wider to see bright lesions and dark CSF at once.
const PRESET_WIDTH: Record<WindowPreset, number> = { manifest: 1, brain: 0.6, wide: 2 };
const PRESET_CENTRE: Record<WindowPreset, number> = { manifest: 0, brain: -0.05, wide: 0.25 };

export function presetWindow(series: GreyWindow, preset: WindowPreset): GreyWindow {
  return {
    center: series.center + PRESET_CENTRE[preset] * series.width,
    width: series.width * PRESET_WIDTH[preset],
  };
}

export function voiRange({ center, width }: GreyWindow): VoiRange {
  return { lower: center - width / 2, upper: center + width / 2 };
}

/**
 * Carry a window/level change from one panel to another in units of each panel's own
 * robust window: exams and sequences differ in scale, so raw numbers would not transfer.
 */
export function transferVoi(range: VoiRange, from: GreyWindow, to: GreyWindow): VoiRange {
  const map = (value: number): number => to.center + ((value - from.center) / from.width) * to.width;
  return { lower: map(range.lower), upper: map(range.upper) };
}
