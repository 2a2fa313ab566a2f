// A clock a test moves by hand, for code that takes a Clock (gateway/src/common/clock.ts): time-based
// behaviour (TTLs, cooldowns, refills) is proven by advancing it, never by sleeping.
export interface ManualClock {
  now(): number;
  advance(ms: number): void;
}

/** Starts well above 0: lru-cache reads a start time of 0 as "no TTL". */
export function manualClock(start = 1_000_000): ManualClock {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
  };
}

/** The real time, plus however far a test has moved it on: for a whole gateway, whose other timers keep running. */
export function shiftedClock(): ManualClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      offset += ms;
    },
  };
}
