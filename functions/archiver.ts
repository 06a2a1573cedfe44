import { createArchiverDeps, resolveSecrets } from '../lib/compose/lambda.ts';
import { readArchiverConfig } from '../lib/config/lambda.ts';
import { createArchiverHandler } from '../lib/handlers/archiver-handler.ts';

// Read once per cold start (secrets from SSM when `*_PARAMETER` names them): a misconfigured
// function fails on its first batch, loudly, and every record of it is retried.
const config = readArchiverConfig(await resolveSecrets(process.env));

export const handler = createArchiverHandler(createArchiverDeps(config));
