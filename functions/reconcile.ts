import { createReconcileDeps } from '../lib/backfill/deps.ts';
import { createReconcileHandler } from '../lib/backfill/reconcile.ts';
import { readReconcileConfig } from '../lib/config.ts';
import { resolveSecrets } from '../lib/secrets.ts';

// Read once per cold start (the Twilio credential from SSM when `*_PARAMETER` names it).
const config = readReconcileConfig(await resolveSecrets(process.env));

export const handler = createReconcileHandler(createReconcileDeps(config));
