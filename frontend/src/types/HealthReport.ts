/** The body of `/health/?format=json`: one entry per check (database, broker, workers, gpu). */
export interface HealthReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail: string }>;
}
