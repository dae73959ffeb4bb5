/**
 * The exam viewer's manifest, `GET /api/cases/<pseudonym>/viewer/` (see the viewer contract).
 * Geometry is in Cornerstone's LPS world; voxel bytes are in NIfTI order (i fastest).
 */
export interface ViewerManifest {
  patient: string;
  current_exam: number;
  /** The current exam first, then up to two priors, newest first. */
  exams: ViewerExam[];
  /** Mean ± SD over the cohort's NODE exam ACC curves, by target. */
  cohort_acc: Partial<Record<SegmentationTarget, CohortAcc>>;
  /** Open alarms of the shown exams. */
  alarms: ViewerAlarm[];
  /** Server paths of the WebSockets (not yet absolute URLs). */
  sockets: { alarms: string; flow: string };
}

export type ExamRole = "current" | "prior";
export type SequenceName = "FLAIR" | "T1" | "T1CE" | "T2";
export type VoxelDtype = "int16" | "uint16" | "uint8" | "float32";
export type SegmentationTarget = "ET" | "TC" | "WT";
export type Vec3 = [number, number, number];

export interface ViewerExam {
  id: number;
  order: number;
  /** ISO date, YYYY-MM-DD; null for an undated exam (BraTS folders carry no dates). */
  date: string | null;
  role: ExamRole;
  registration: Registration;
  /** FLAIR, T1, T1CE, T2 order; an exam may lack some. */
  series: ViewerSeries[];
  segmentations: ViewerSegmentation[];
}

/** How a prior was put into the current exam's space; origin/direction already reflect it. */
export type Registration =
  | { status: "aligned" | "identity" | "pending" }
  | { status: "registered"; matrix: number[][]; metric: number }
  | { status: "failed"; error: string };

/** The geometry and bytes of one voxel volume. */
export interface VoxelVolume {
  /** Raw little-endian voxels, content-hash URL. */
  url: string;
  dtype: VoxelDtype;
  /** [columns i, rows j, slices k]. */
  dimensions: Vec3;
  /** mm along i, j, k. */
  spacing: Vec3;
  /** LPS position of voxel (0, 0, 0). */
  origin: Vec3;
  /** Unit i, j and k axes in LPS, one after the other (Cornerstone's layout). */
  direction: number[];
}

export interface ViewerSeries extends VoxelVolume {
  id: number;
  sequence: SequenceName;
  /** From the 0.5/99.5 percentiles inside the brain. */
  window: { center: number; width: number };
}

export interface ViewerSegmentation {
  id: number;
  source: "model" | "reader" | "reference";
  /** Model version, reader name or "Reference". */
  name: string;
  kind: "node" | "unet" | "";
  /** "" for a full label map. */
  target: SegmentationTarget | "";
  label_scheme: string;
  url: string;
  dtype: VoxelDtype;
  labels: SegmentationLabel[];
  lesions: ViewerLesion[];
  /** Only NODE segmentations have a flow. */
  flow: SegmentationFlow | null;
}

export type Rgb = [number, number, number];

export interface SegmentationLabel {
  value: number;
  name: string;
  color: Rgb;
}

export interface ViewerLesion {
  id: number;
  /** Component number within its segmentation, 1-based. */
  index: number;
  label: number;
  label_name: string;
  volume_ml: number;
  /** LPS, in the current exam's space. */
  centroid_mm: Vec3;
  /** Voxel bounding box [[i0, j0, k0], [i1, j1, k1]]. */
  bbox: [Vec3, Vec3];
  /** Against the matched lesion of the same source kind in the next older exam; null without a prior. */
  change: LesionChange | null;
  /** Its volume at each older shown exam that has a segmentation of the same kind (newest
   * first); null where no lesion there matches it. */
  prior_volumes: PriorVolume[];
  /** No overlapping or nearby lesion in any prior: drawn red. */
  new: boolean;
}

export interface PriorVolume {
  exam: number;
  volume_ml: number | null;
}

export interface LesionChange {
  prior_volume_ml: number;
  delta_ml: number;
  delta_percent: number;
}

/** One ACC row per stage, columns FLAIR, T1, T1CE, T2. */
export interface SegmentationFlow {
  stages: number[];
  acc_mean: number[][];
  acc_sd: number[][];
  /** How many slices the exam's ACC was accumulated over. */
  slices: number;
}

export interface CohortAcc {
  stages: number[];
  mean: number[][];
  sd: number[][];
  exams: number;
}

export interface ViewerAlarm {
  id: number;
  exam: number;
  segmentation: number | null;
  kind: string;
  kind_display: string;
  reason: string;
  evidence: Record<string, unknown>;
  raised_at: string;
}

/** What the alarms WebSocket sends on connect and on every change. */
export interface AlarmSocketMessage {
  alarms: ViewerAlarm[];
  /** Risk score by exam id (as a string key). */
  risk_score: Record<string, number>;
}
