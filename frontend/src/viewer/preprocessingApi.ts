import { postOnce } from "../net/postOnce";
import type { components } from "../types/api";

type Schemas = components["schemas"];

export type PreprocessingRun = Schemas["PreprocessingRun"];
export type Rerun = Schemas["Rerun"];

const post = postOnce();

/** The preprocessing endpoints the viewer uses (reviewer/preprocessing/api.py); both writes are QA admins'. */
export const preprocessingApi = {
  /** Reject a finished run's result: the models skip the exam until a new run replaces it. */
  reject: (run: number, reason: string): Promise<PreprocessingRun> =>
    post(`/api/preprocessing-runs/${run}/rejection/`, { reason }),
  /** Run the exam's steps again with these parameters; 409 when the exam may not be run again now. */
  rerun: (input: Rerun): Promise<PreprocessingRun> => post("/api/preprocessing-runs/", input),
};

export type PreprocessingApi = typeof preprocessingApi;
