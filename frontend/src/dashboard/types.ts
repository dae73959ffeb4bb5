/**
 * The QA dashboard's figures, `GET /api/reports/quality/`, under the names the dashboard uses.
 * Generated from the API's OpenAPI schema (`make api-types` writes api.ts).
 */
import type { components } from "../types/api";

type Schemas = components["schemas"];

export type QualityDashboard = Schemas["QualityDashboard"];
export type VersionGrading = Schemas["VersionGrading"];
export type Share = Schemas["Share"];
export type LabelVerdicts = Schemas["LabelVerdicts"];
export type AddedLesions = Schemas["AddedLesions"];
export type AlarmVerdicts = Schemas["AlarmVerdicts"];
