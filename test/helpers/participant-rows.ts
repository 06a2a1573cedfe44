import { PARTICIPANT_QUERY_COLUMNS } from '../../lib/domain/participant-query.ts';

/** Rows as Athena answers `buildParticipantQuery` (one message each), for fakes and moto. */

export interface ParticipantRowInput {
  accountSid: string;
  messageSid: string;
  receivedAt: string;
  direction?: string;
  matched?: string[];
  mediaKeys?: string[];
  bucket?: string;
  prefix?: string;
}

export const participantRow = (input: ParticipantRowInput): string[] => {
  const [year, month, day] = input.receivedAt.slice(0, 10).split('-') as [string, string, string];
  const prefix = input.prefix ?? 'media/';
  const values: Record<(typeof PARTICIPANT_QUERY_COLUMNS)[number], string> = {
    accountsid: input.accountSid,
    messagesid: input.messageSid,
    receivedat: input.receivedAt,
    direction: input.direction ?? 'inbound',
    year,
    month,
    day,
    matched: JSON.stringify(input.matched ?? ['from:sms']),
    mediakeys: JSON.stringify(input.mediaKeys ?? []),
    recordpath: `s3://${input.bucket ?? 'archive'}/${prefix}_records/${input.accountSid}/${year}/${month}/${day}/${input.messageSid}.json`,
  };
  return PARTICIPANT_QUERY_COLUMNS.map((column) => values[column]);
};
