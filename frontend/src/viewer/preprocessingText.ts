import type { PreprocessingFlag, ViewerPreprocessing } from "../types/ViewerManifest";
import type { Rerun } from "./preprocessingApi";

/** One step of a run as the section lists it. */
export interface StepLine {
  name: string;
  detail: string;
  skipped: boolean;
}

const STEP_NAMES: Record<string, string> = {
  coregistration: "Co-registration",
  brain_extraction: "Brain extraction",
  bias_correction: "Bias correction (N4)",
};

const FLAG_NAMES: Record<PreprocessingFlag["code"], string> = {
  thick_slices: "Thick slices",
  no_contrast: "No contrast",
  field_of_view: "Field of view",
};

/** A step's record, done ({step, tool or method, reference, seconds, …}) or skipped ({step, skipped: why}). */
export function stepLine(step: Record<string, unknown>): StepLine {
  const id = String(step.step ?? "step");
  const name = STEP_NAMES[id] ?? id.replaceAll("_", " ");
  if (typeof step.skipped === "string") return { name, detail: `skipped: ${step.skipped}`, skipped: true };
  const tool = step.tool ?? step.method;
  const detail = [
    typeof tool === "string" ? tool : "",
    typeof step.reference === "string" ? `onto ${step.reference}` : "",
    typeof step.seconds === "number" ? `${step.seconds} s` : "",
  ].filter(Boolean);
  return { name, detail: detail.join(" · ") || "done", skipped: false };
}

/** A flag as a warning a reader understands (the reason names the sequence and what did not run). */
export function flagText(flag: PreprocessingFlag): string {
  return `${FLAG_NAMES[flag.code] ?? flag.code}: ${flag.reason}`;
}

/** The section's one-line summary: status, and that a QA admin rejected the result. */
export function runSummary(run: ViewerPreprocessing): string {
  return [`Preprocessing ${run.status}`, run.rejection ? "rejected" : ""].filter(Boolean).join(" · ");
}

/** The run's parameters, compactly ("reference T1CE · brain threshold 0.5 · …"). */
export function parametersText(parameters: Record<string, unknown>): string {
  return Object.entries(parameters)
    .map(([name, value]) => `${name.replaceAll("_", " ")} ${value === "" ? "auto" : typeof value === "boolean" ? (value ? "on" : "off") : String(value)}`)
    .join(" · ");
}

/** The server's defaults (reviewer/preprocessing/serializers.py RerunSerializer). */
const RERUN_DEFAULTS: Omit<Rerun, "exam"> = {
  reference: "",
  brain_extraction: true,
  brain_threshold: 0.5,
  brain_dilate_voxels: 0,
  bias_correction: false,
};

/** What the "Run again" form starts from: the shown run's parameters, the defaults for any it lacks. */
export function rerunStart(exam: number, parameters: Record<string, unknown>): Rerun {
  const start: Rerun = { exam, ...RERUN_DEFAULTS };
  for (const key of Object.keys(RERUN_DEFAULTS) as (keyof typeof RERUN_DEFAULTS)[]) {
    const value = parameters[key];
    if (typeof value === typeof RERUN_DEFAULTS[key]) Object.assign(start, { [key]: value });
  }
  return start;
}
