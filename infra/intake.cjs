// The `intake` param (a comma list) as three 'true'/'false' flags for CloudFormation conditions,
// resolved at package time: an unknown or empty intake fails `package` with a clear message,
// instead of deploying a stack that nothing can reach.
const INTAKES = ['webhook', 'event-streams-webhook', 'event-streams-kinesis'];

module.exports = async ({ resolveConfigurationProperty }) => {
  const list = String((await resolveConfigurationProperty(['custom', 'intake', 'list'])) ?? '');
  const chosen = list
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const unknown = chosen.filter((part) => !INTAKES.includes(part));
  if (chosen.length === 0 || unknown.length > 0) {
    throw new Error(`intake must be a comma list of ${INTAKES.join(', ')} (got "${list}")`);
  }
  const has = (name) => String(chosen.includes(name));
  return {
    webhook: has('webhook'),
    eventStreamsWebhook: has('event-streams-webhook'),
    eventStreamsKinesis: has('event-streams-kinesis'),
    normalized: [...new Set(chosen)].join(','),
  };
};
