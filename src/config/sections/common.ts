import { z } from 'zod';

/** Seconds as a finite, non-negative number (the seed's unit for every duration). */
export const seconds = (what = 'a duration in seconds') =>
  z
    .number({ error: `expected ${what}` })
    .finite()
    .min(0, { error: `expected ${what}, 0 or more` });

/** A TCP port. */
export const port = () =>
  z
    .number({ error: 'expected an integer from 1 to 65535' })
    .int({ error: 'expected an integer from 1 to 65535' })
    .min(1, { error: 'expected an integer from 1 to 65535' })
    .max(65535, { error: 'expected an integer from 1 to 65535' });

/** A whole number of at least `min`. */
export const count = (min = 0) =>
  z
    .number({ error: `expected an integer of ${min} or more` })
    .int({ error: `expected an integer of ${min} or more` })
    .min(min, { error: `expected an integer of ${min} or more` });

/** A ratio from 0 to 1. */
export const ratio = () =>
  z
    .number({ error: 'expected a ratio from 0 to 1' })
    .min(0, { error: 'expected a ratio from 0 to 1' })
    .max(1, { error: 'expected a ratio from 0 to 1' });

/** What every resource section has: whether it may fail, and what it must wait for. */
export const resourceKeys = {
  /** An optional resource may fail; the runtime is then `degraded` instead of failing to start. */
  optional: z.boolean().default(false),
  /** Names of resources that must be ready before this one starts. */
  depends_on: z.array(z.string().min(1)).optional(),
};
