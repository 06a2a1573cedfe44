import { participantKeys } from '../config/env.ts';
import { withLocalParticipantKey } from '../config/local-participant-key.ts';
import { InvalidParticipantError, lookupIdsFor, normalizeAddress } from '../domain/participant.ts';
import { UsageError } from './errors.ts';

/** `--participant ADDRESS`: checked here, never echoed back (it is a phone number). */
export const parseParticipant = (value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  try {
    normalizeAddress(value);
  } catch (error) {
    if (!(error instanceof InvalidParticipantError)) throw error;
    throw new UsageError('--participant needs an address (+15550100001, whatsapp:+1555…)');
  }
  return value;
};

/**
 * The address's pseudonyms under the current and every previous key (ARCHIVE_PARTICIPANT_KEY,
 * ARCHIVE_PARTICIPANT_KEYS_PREVIOUS; `--local`: the local stack's own key).
 */
export const participantLookup = async (
  address: string,
  local: boolean,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Set<string>> => {
  const keys = participantKeys(await withLocalParticipantKey(local, env));
  if (keys.length === 0) {
    throw new UsageError(
      '--participant needs the key the archive was written with: ARCHIVE_PARTICIPANT_KEY (deployed: aws ssm get-parameter --with-decryption --name /…/archive-participant-key)',
    );
  }
  return lookupIdsFor(keys, address);
};
