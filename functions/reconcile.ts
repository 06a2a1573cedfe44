import { resolveSecrets } from '../lib/compose/lambda.ts';
import { createReconcileDeps } from '../lib/compose/reconcile.ts';
import { readReconcileConfig } from '../lib/config/lambda.ts';
import { createReconcileHandler } from '../lib/handlers/reconcile-handler.ts';

// Read once per cold start (the Twilio credential from SSM when `*_PARAMETER` names it).
const config = readReconcileConfig(await resolveSecrets(process.env));

export const handler = createReconcileHandler(createReconcileDeps(config));
