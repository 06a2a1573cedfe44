import type { FaultKind, FaultProfile } from './types.ts';

export const NO_FAULTS: FaultProfile = {
  throttleRate: 0,
  serverErrorRate: 0,
  resetRate: 0,
  truncateRate: 0,
  transientNotFoundMs: 0,
  concurrencyLimit: 0,
  eventDuplicateRate: 0,
  eventReorderRate: 0,
};

/**
 * One draw per request, split into consecutive bands [throttle | server error | reset | truncate],
 * so a test can aim at a fault with a single chosen number and rates should sum to ≤ 1. Nothing is
 * drawn while every rate is 0, so an injected sequence is consumed only by faulty traffic.
 */
export const drawFault = (
  random: () => number,
  faults: FaultProfile,
): { kind: Exclude<FaultKind, 'transient-404'>; status?: 500 | 503 } | undefined => {
  const total =
    faults.throttleRate + faults.serverErrorRate + faults.resetRate + faults.truncateRate;
  if (total <= 0) return undefined;
  let u = random();
  if (u < faults.throttleRate) return { kind: 'throttle' };
  u -= faults.throttleRate;
  if (u < faults.serverErrorRate) {
    // The lower half of the band answers 500, the upper half 503: both kinds without a second draw.
    return { kind: 'server-error', status: u < faults.serverErrorRate / 2 ? 500 : 503 };
  }
  u -= faults.serverErrorRate;
  if (u < faults.resetRate) return { kind: 'reset' };
  u -= faults.resetRate;
  if (u < faults.truncateRate) return { kind: 'truncate' };
  return undefined;
};
