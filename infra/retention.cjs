// The `retentionYears` param as lifecycle days, resolved at package time: CloudFormation cannot
// multiply, and a retention shorter than the Object Lock period would promise an expiry S3 refuses
// (a locked version is never removed before its retain-until date), so `package` fails instead.
module.exports = async ({ resolveConfigurationProperty }) => {
  const get = async (path) =>
    String((await resolveConfigurationProperty(['custom', 'archive', ...path])) ?? '').trim();
  const years = await get(['retentionYears']);
  if (years === '' || years === '0') return { days: '0' };
  if (!/^[1-9]\d?$/.test(years)) {
    throw new Error(`retentionYears must be a whole number of years, 1..99 (got "${years}")`);
  }
  // Leap days included, so "7 years" never ends a day early.
  const days = Math.ceil(Number(years) * 365.25);
  const lockMode = await get(['objectLockMode']);
  const lockDays = Number(await get(['objectLockDays']));
  if (lockMode !== 'off' && days < lockDays) {
    throw new Error(
      `retentionYears (${days} days) is shorter than objectLockDays (${lockDays}): S3 would keep the locked versions anyway`,
    );
  }
  return { days: String(days) };
};
