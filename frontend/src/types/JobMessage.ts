/** One WebSocket message about a background job, as the server's consumer sends it. */
export interface JobMessage {
  status: "queued" | "running" | "succeeded" | "failed";
  /** Percent done, 0–100. */
  progress: number;
  message: string;
  /** Set when `status` is "failed". */
  error?: string;
  /** The patients the job created or updated; set when `status` is "succeeded". */
  patients?: { pseudonym: string; url: string }[];
}
