import { createEventsDeps, resolveSecrets } from '../lib/compose/lambda.ts';
import { readEventsConfig } from '../lib/config/lambda.ts';
import { createEventsHandler } from '../lib/handlers/events-handler.ts';

// Read once per cold start (the sink password and Twilio secrets from SSM when `*_PARAMETER`
// names them): a misconfigured function fails on its first event, loudly.
const config = readEventsConfig(await resolveSecrets(process.env));

export const handler = createEventsHandler(createEventsDeps(config));
