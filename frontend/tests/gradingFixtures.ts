import type { Assessment, LesionVerdict } from "../src/viewer/gradingApi";

export function verdict(id: number, overrides: Partial<LesionVerdict> = {}): LesionVerdict {
  return {
    id,
    segmentation: 5,
    lesion: 1,
    reader: 2,
    reader_name: "dr. reader",
    decision: "accepted",
    centre_mm: null,
    radius_mm: null,
    supersedes: null,
    reading_time_ms: 1000,
    created_at: `2026-12-04T10:00:${String(id).padStart(2, "0")}Z`,
    ...overrides,
  };
}

export function assessment(id: number, overrides: Partial<Assessment> = {}): Assessment {
  return {
    id,
    segmentation: 5,
    reader: 2,
    reader_name: "dr. reader",
    acceptable: true,
    scale: "ease",
    grade: 4,
    four_level: null,
    comment: "",
    supersedes: null,
    reading_time_ms: 60_000,
    created_at: "2026-12-04T10:00:00Z",
    ...overrides,
  };
}
