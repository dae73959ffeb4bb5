import { apiJson } from "../net/apiJson";
import { postOnce } from "../net/postOnce";
import type { components } from "../types/api";

type Schemas = components["schemas"];

export type Assessment = Schemas["Assessment"];
export type AssessmentInput = Schemas["AssessmentInput"];
export type LesionVerdict = Schemas["LesionVerdict"];
export type LesionVerdictInput = Schemas["LesionVerdictInput"];
export type Decision = Schemas["DecisionEnum"];
export type GradingPanelData = Schemas["GradingPanel"];
export type Scale = Schemas["Scale"];
export type InferenceJob = Schemas["InferenceJob"];

const segmentationUrl = (segmentation: number, what: "assessments" | "verdicts" | "grading"): string =>
  `/api/segmentations/${segmentation}/${what}/`;

/** The reading time grows between a failed Save and the next: the same grade is the same write. */
const post = postOnce((url, body) => {
  const { reading_time_ms: _readingTime, ...write } = body as { reading_time_ms?: unknown };
  return `${url} ${JSON.stringify(write)}`;
});

/** The grading endpoints of segmentations (reviewer/grading/api.py); histories come newest first. */
export const gradingApi = {
  /** The scale to grade on and the volumes and component counts shown beside the form. */
  panel: (segmentation: number): Promise<GradingPanelData> => apiJson(segmentationUrl(segmentation, "grading")),
  assessments: (segmentation: number): Promise<Assessment[]> => apiJson(segmentationUrl(segmentation, "assessments")),
  assess: (segmentation: number, input: AssessmentInput): Promise<Assessment> =>
    post(segmentationUrl(segmentation, "assessments"), input),
  verdicts: (segmentation: number): Promise<LesionVerdict[]> => apiJson(segmentationUrl(segmentation, "verdicts")),
  judge: (segmentation: number, input: LesionVerdictInput): Promise<LesionVerdict> =>
    post(segmentationUrl(segmentation, "verdicts"), input),
  /** Segment every exam of the patient with the live versions (segmentation/api.py): priors
   * made by incompatible versions get results that compare (EASE R-A9.5). */
  segmentAgain: (patient: string): Promise<InferenceJob> => apiJson("/api/inference-jobs/", { patient }),
};

export type GradingApi = typeof gradingApi;
