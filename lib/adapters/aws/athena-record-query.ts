import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  type RecordQuery,
  type RecordQueryAnswer,
  RecordQueryError,
} from '../../ports/record-query.ts';

export interface AthenaRecordQueryOptions {
  client: AthenaClient;
  /** The stack's workgroup: it holds the results location and the bytes-scanned limit. */
  workGroup: string;
  /** Give up (and stop the query, so it scans no more) after this long. */
  timeoutMillis?: number;
  /** First wait between polls; doubles up to `maxPollMillis`. */
  firstPollMillis?: number;
  maxPollMillis?: number;
  sleep?: (millis: number) => Promise<void>;
  now?: () => number;
}

const DONE = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const wait = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis));

/**
 * StartQueryExecution in the workgroup (the workgroup's settings are enforced, so the caller
 * cannot lift the bytes-scanned limit or move the results), GetQueryExecution with back-off until
 * a final state, then GetQueryResults page by page.
 */
export const createAthenaRecordQuery = (options: AthenaRecordQueryOptions): RecordQuery => {
  const { client, workGroup } = options;
  const timeoutMillis = options.timeoutMillis ?? 300_000;
  const maxPollMillis = options.maxPollMillis ?? 2_000;
  const sleep = options.sleep ?? wait;
  const now = options.now ?? Date.now;

  const finish = async (id: string) => {
    const deadline = now() + timeoutMillis;
    let pause = options.firstPollMillis ?? 200;
    for (;;) {
      const { QueryExecution: execution } = await client.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }),
      );
      const state = execution?.Status?.State ?? 'UNKNOWN';
      if (DONE.has(state)) return { state, execution };
      if (now() >= deadline) {
        await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
        throw new RecordQueryError(
          `the Athena query ${id} did not finish within ${Math.round(timeoutMillis / 1000)} s (stopped)`,
          'TIMEOUT',
        );
      }
      await sleep(pause);
      pause = Math.min(pause * 2, maxPollMillis);
    }
  };

  return {
    async run(sql) {
      const started = await client.send(
        new StartQueryExecutionCommand({ QueryString: sql, WorkGroup: workGroup }),
      );
      const id = started.QueryExecutionId;
      if (!id) throw new RecordQueryError('Athena started no query', 'UNKNOWN');
      const { state, execution } = await finish(id);
      const dataScannedBytes = execution?.Statistics?.DataScannedInBytes ?? 0;
      if (state !== 'SUCCEEDED') {
        const reason = execution?.Status?.StateChangeReason ?? 'no reason given';
        throw new RecordQueryError(`the Athena query ${id} ${state}: ${reason}`, state);
      }
      const answer: RecordQueryAnswer = { columns: [], rows: [], dataScannedBytes };
      let token: string | undefined;
      let first = true;
      do {
        const page = await client.send(
          new GetQueryResultsCommand({
            QueryExecutionId: id,
            MaxResults: 1000,
            ...(token ? { NextToken: token } : {}),
          }),
        );
        const rows = (page.ResultSet?.Rows ?? []).map((row) =>
          (row.Data ?? []).map((datum) => datum.VarCharValue),
        );
        if (first) {
          answer.columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map(
            (column) => column.Name ?? '',
          );
          // A SELECT's first row repeats the column names.
          if (rows[0]?.every((value, index) => value === answer.columns[index])) {
            rows.shift();
          }
          first = false;
        }
        answer.rows.push(...rows);
        token = page.NextToken;
      } while (token);
      return answer;
    },
  };
};
