import type { Grid } from "../src/viewer/geometry";
import type {
  AcquiredSeries,
  ViewerExam,
  ViewerLesion,
  ViewerManifest,
  ViewerPreprocessing,
  ViewerSegmentation,
  ViewerSeries,
} from "../src/types/ViewerManifest";

/** A 1 mm grid as the server sends a RAS-stored NIfTI: in LPS, i and j run along −x and −y. */
const GRID: Grid = {
  dimensions: [197, 233, 189],
  spacing: [1, 1, 1],
  // RAS affine diag(1, 1, 1) at (−98, −134, −72) becomes, in LPS, diag(−1, −1, 1) at (98, 134, −72).
  origin: [98, 134, -72],
  direction: [-1, 0, 0, 0, -1, 0, 0, 0, 1],
};

export function series(sequence: ViewerSeries["sequence"], id = 1): ViewerSeries {
  return {
    id,
    sequence,
    url: `/api/series/${id}/voxels/abc`,
    dtype: "int16",
    ...GRID,
    window: { center: 600, width: 1200 },
  };
}

/** A clinical exam's original: its own grid (here 5 mm axial slices), placed in the exam's world. */
export function acquiredSeries(sequence: ViewerSeries["sequence"], id = 1): AcquiredSeries {
  return {
    ...series(sequence, id),
    url: `/api/acquired-series/${id}/voxels/ghi`,
    dimensions: [256, 256, 30],
    spacing: [0.9, 0.9, 5],
    description: `AX ${sequence}`,
    slice_thickness_mm: 5,
  };
}

/** A succeeded run with its steps, no flag, no brain mask and no rejection unless overridden. */
export function preprocessing(id: number, overrides: Partial<ViewerPreprocessing> = {}): ViewerPreprocessing {
  return {
    id,
    status: "succeeded",
    message: "Done: coregistration, brain extraction; 0 flag(s)",
    error: "",
    parameters: { reference: "", spacing_mm: 1, brain_extraction: true, brain_threshold: 0.5, brain_dilate_voxels: 0, bias_correction: false },
    steps: [
      { step: "coregistration", method: "rigid (SimpleITK)", reference: "T1CE", seconds: 3.2 },
      { step: "brain_extraction", tool: "deepbet", parameters: { threshold: 0.5 }, seconds: 8.1 },
      { step: "bias_correction", skipped: "not asked for" },
    ],
    flags: [],
    brain_mask: null,
    rejection: null,
    ...overrides,
  };
}

export function lesion(id: number, overrides: Partial<ViewerLesion> = {}): ViewerLesion {
  return {
    id,
    index: id,
    label: 1,
    label_name: "lesion",
    volume_ml: 1,
    centroid_mm: [0, 0, 0],
    bbox: [
      [0, 0, 0],
      [0, 0, 0],
    ],
    change: null,
    prior_volumes: [],
    new: false,
    ...overrides,
  };
}

export function segmentation(id: number, overrides: Partial<ViewerSegmentation> = {}): ViewerSegmentation {
  return {
    id,
    source: "model",
    name: "NODE WT 1.0",
    kind: "node",
    target: "WT",
    label_scheme: "lesion",
    url: `/api/segmentations/${id}/voxels/def`,
    dtype: "uint8",
    ...GRID,
    labels: [{ value: 1, name: "lesion", color: [255, 140, 0] }],
    family: "",
    parts: [],
    part_of: null,
    minimum_lesion_ml: null,
    lesion_count: overrides.lesions?.length ?? 0,
    below_minimum_count: 0,
    lesions: [],
    flow: null,
    model_versions: [],
    comparability: [],
    ...overrides,
  };
}

export function exam(id: number, role: ViewerExam["role"], overrides: Partial<ViewerExam> = {}): ViewerExam {
  return {
    id,
    order: id,
    date: `2025-0${id}-01`,
    role,
    registration: { status: role === "current" ? "identity" : "aligned" },
    series: [series("T1", id * 10 + 1), series("FLAIR", id * 10 + 2)],
    acquired_series: [],
    preprocessing: null,
    segmentations: [],
    ...overrides,
  };
}

export function manifest(exams: ViewerExam[]): ViewerManifest {
  return {
    patient: "NR-ABCD2345",
    current_exam: exams[0]!.id,
    exams,
    cohort_acc: {},
    alarms: [],
    new_lesion_color: [255, 0, 0],
    sockets: { alarms: "/ws/cases/NR-ABCD2345/alarms/", flow: "/ws/flows/" },
  };
}
