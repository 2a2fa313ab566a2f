// Time as a dependency: whatever decides behaviour by time (TTLs, breakers, rate limits) takes a Clock, so a
// test moves it instead of sleeping.

/** Milliseconds; Date.now in production. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
