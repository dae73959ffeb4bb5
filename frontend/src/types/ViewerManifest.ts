/**
 * The exam viewer's manifest, `GET /api/cases/<pseudonym>/viewer/`, under the names the viewer
 * uses. The types are generated from the API's OpenAPI schema (`make api-types` writes api.ts);
 * the documentation of each field is there. Geometry is in Cornerstone's LPS world; voxel bytes
 * are in NIfTI order (i fastest).
 */
import type { components } from "./api";

type Schemas = components["schemas"];

export type ViewerManifest = Schemas["ViewerManifest"];
export type ViewerExam = Schemas["ViewerExam"];
export type ExamRole = Schemas["RoleEnum"];
export type Registration = Schemas["Registration"];
export type ViewerSeries = Schemas["ViewerSeries"];
export type ViewerSegmentation = Schemas["ViewerSegmentation"];
export type SegmentationLabel = Schemas["SegmentationLabel"];
export type ViewerLesion = Schemas["ViewerLesion"];
export type LesionChange = Schemas["LesionChange"];
export type PriorVolume = Schemas["PriorVolume"];
export type SegmentationFlow = Schemas["SegmentationFlow"];
export type CohortAcc = Schemas["CohortAcc"];
export type ViewerAlarm = Schemas["ViewerAlarm"];
export type AcquiredSeries = Schemas["AcquiredSeries"];
export type ViewerPreprocessing = Schemas["ViewerPreprocessing"];
export type PreprocessingStatus = Schemas["ViewerPreprocessingStatusEnum"];
export type BrainMask = Schemas["BrainMask"];
export type PreprocessingFlag = Schemas["PreprocessingFlag"];
export type PreprocessingRejection = Schemas["PreprocessingRejection"];

export type SequenceName = Schemas["SequenceEnum"];
export type SegmentationTarget = Schemas["TargetEnum"];
export type VoxelDtype = Schemas["DtypeEnum"];
export type Vec3 = Schemas["Vec3"];
export type Rgb = Schemas["Rgb"];

/** The geometry and bytes of one voxel volume: what a series and a segmentation share. */
export type VoxelVolume = Pick<ViewerSeries, keyof ViewerSeries & keyof ViewerSegmentation>;
