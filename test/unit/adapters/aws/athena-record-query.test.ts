import {
  AthenaClient,
  GetQueryExecutionCommand,
  type GetQueryExecutionCommandOutput,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createAthenaRecordQuery } from '../../../../lib/adapters/aws/athena-record-query.ts';
import { RecordQueryError } from '../../../../lib/ports/record-query.ts';

const athena = mockClient(AthenaClient);
const ID = 'query-1';
type State = NonNullable<
  NonNullable<GetQueryExecutionCommandOutput['QueryExecution']>['Status']
>['State'];
const execution = (State: State, extra: { StateChangeReason?: string } = {}) => ({
  QueryExecution: { QueryExecutionId: ID, Status: { State, ...extra }, Statistics: {} },
});
const cell = (value?: string) => (value === undefined ? {} : { VarCharValue: value });

/** A clock the sleeps advance: the time-out is reached by polls, not by waiting. */
const fakeTime = () => {
  const pauses: number[] = [];
  let clock = 0;
  return {
    pauses,
    sleep: async (millis: number) => {
      pauses.push(millis);
      clock += millis;
    },
    now: () => clock,
  };
};

afterEach(() => athena.reset());

describe('createAthenaRecordQuery', () => {
  it('starts the query in the workgroup, polls with back-off, and reads every page without the header', async () => {
    // Prepare
    const time = fakeTime();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: ID });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(execution('QUEUED'))
      .resolvesOnce(execution('RUNNING'))
      .resolvesOnce(execution('RUNNING'))
      .resolves({
        QueryExecution: {
          Status: { State: 'SUCCEEDED' },
          Statistics: { DataScannedInBytes: 12_345_678 },
        },
      });
    const columnInfo = [
      { Name: 'messagesid', Type: 'varchar' },
      { Name: 'body', Type: 'varchar' },
    ];
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: ID, MaxResults: 1000 })
      .resolves({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: columnInfo },
          Rows: [{ Data: [cell('messagesid'), cell('body')] }, { Data: [cell('MM1'), cell()] }],
        },
        NextToken: 'page-2',
      })
      .on(GetQueryResultsCommand, { QueryExecutionId: ID, MaxResults: 1000, NextToken: 'page-2' })
      .resolves({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: columnInfo },
          Rows: [{ Data: [cell('MM2'), cell('x')] }],
        },
      });
    const query = createAthenaRecordQuery({
      client: athena as unknown as AthenaClient,
      workGroup: 'archive-wg',
      firstPollMillis: 100,
      maxPollMillis: 300,
      ...time,
    });

    // Act
    const answer = await query.run('SELECT 1');

    // Assess
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input).toEqual({
      QueryString: 'SELECT 1',
      WorkGroup: 'archive-wg',
    });
    expect(time.pauses).toEqual([100, 200, 300]);
    expect(answer).toEqual({
      columns: ['messagesid', 'body'],
      rows: [
        ['MM1', undefined],
        ['MM2', 'x'],
      ],
      dataScannedBytes: 12_345_678,
    });
  });

  it('reports a failed query with Athena’s reason and reads no results', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: ID });
    athena.on(GetQueryExecutionCommand).resolves(
      execution('FAILED', {
        StateChangeReason: 'Query exhausted the bytes-scanned limit of the workgroup',
      }),
    );
    const query = createAthenaRecordQuery({
      client: athena as unknown as AthenaClient,
      workGroup: 'archive-wg',
      ...fakeTime(),
    });

    // Act
    const running = query.run('SELECT 1');

    // Assess
    await expect(running).rejects.toThrow(
      new RecordQueryError(
        `the Athena query ${ID} FAILED: Query exhausted the bytes-scanned limit of the workgroup`,
        'FAILED',
      ),
    );
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('stops a query that outlives the time-out, so it scans no more', async () => {
    // Prepare
    const time = fakeTime();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: ID });
    athena.on(GetQueryExecutionCommand).resolves(execution('RUNNING'));
    athena.on(StopQueryExecutionCommand).resolves({});
    const query = createAthenaRecordQuery({
      client: athena as unknown as AthenaClient,
      workGroup: 'archive-wg',
      timeoutMillis: 5_000,
      ...time,
    });

    // Act
    const running = query.run('SELECT 1');

    // Assess
    await expect(running).rejects.toMatchObject({ name: 'RecordQueryError', state: 'TIMEOUT' });
    expect(athena.commandCalls(StopQueryExecutionCommand)[0]?.args[0].input).toEqual({
      QueryExecutionId: ID,
    });
    expect(time.now()).toBeGreaterThanOrEqual(5_000);
  });
});
