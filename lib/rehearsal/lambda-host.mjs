// Runs one deployed Lambda bundle in its own process, the way the Node.js runtime does: load the
// handler module at init (top-level await and all), then one invocation at a time with a context
// whose deadline is the function's timeout. The parent talks to it over the IPC channel.
// Plain JavaScript on purpose: nothing of the project (no tsx loader) may be in this process.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const [modulePath, exportName] = process.argv.slice(2);
const send = (message) => new Promise((resolve) => process.send(message, resolve));
const describe = (error) => ({
  name: error?.name ?? 'Error',
  message: String(error?.message ?? error),
});

let handler;
try {
  const module = await import(pathToFileURL(modulePath).href);
  handler = module[exportName];
  if (typeof handler !== 'function') throw new Error(`${exportName} is not exported by the bundle`);
} catch (error) {
  await send({ type: 'init-error', error: describe(error) });
  process.exit(1);
}

const env = process.env;
process.on('message', async (message) => {
  if (message?.type !== 'invoke') return;
  const deadline = Date.now() + message.timeoutMs;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: message.functionArn,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: randomUUID(),
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await handler(message.event, context);
    await send({ type: 'result', id: message.id, result: result ?? null });
  } catch (error) {
    await send({ type: 'error', id: message.id, error: describe(error) });
  }
});
await send({ type: 'ready' });
