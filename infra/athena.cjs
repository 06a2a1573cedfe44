// The `athena` params, resolved at package time: the flag as 'true'/'false' for the condition, and
// the Glue database name, which Athena wants lowercase with underscores only (a stage may hold
// hyphens; CloudFormation has no replace function).
module.exports = async ({ resolveConfigurationProperty }) => {
  const get = async (path) =>
    String((await resolveConfigurationProperty(path)) ?? '')
      .trim()
      .toLowerCase();
  const enabled = await get(['custom', 'athena', 'enabled']);
  if (enabled !== 'true' && enabled !== 'false') {
    throw new Error(`athena must be true or false (got "${enabled}")`);
  }
  const cutoff = await get(['custom', 'athena', 'bytesScannedCutoff']);
  if (!/^\d+$/.test(cutoff) || Number(cutoff) < 10_000_000) {
    throw new Error(
      `athenaBytesScannedCutoff is a number of bytes, at least 10000000 (Athena's minimum; got "${cutoff}")`,
    );
  }
  const service = await get(['service']);
  const stage = await get(['provider', 'stage']);
  return {
    enabled,
    database: `${service}_${stage}`.replace(/[^a-z0-9_]/g, '_'),
  };
};
