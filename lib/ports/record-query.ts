/**
 * SQL over the message records (Athena in a deployment): one query, its rows, and what it scanned
 * (what it cost). A fake in unit tests; `createAthenaRecordQuery` on AWS.
 */
export interface RecordQueryAnswer {
  /** Column names, as the engine reports them. */
  columns: string[];
  /** Values by column position; `undefined` for SQL NULL. The header row is not among them. */
  rows: (string | undefined)[][];
  dataScannedBytes: number;
}

export interface RecordQuery {
  run(sql: string): Promise<RecordQueryAnswer>;
}

/** The query ran and failed (bad SQL, bytes-scanned limit, permissions), or did not finish in time. */
export class RecordQueryError extends Error {
  constructor(
    message: string,
    /** Athena's own state: FAILED, CANCELLED, or TIMEOUT when we stopped waiting. */
    readonly state: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
