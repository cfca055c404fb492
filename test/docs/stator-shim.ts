// What `import ... from 'stator'` means inside a documentation sample: the public API, with
// `createStator` keeping each instance so the runner can stop what a sample started.
import { createStator as createRealStator, type CreateStatorOptions, type Stator } from '../../src/index.js';

export * from '../../src/index.js';

/** Every Stator a sample created, in order; the runner stops and empties it after each sample. */
export const createdBySample: Stator[] = [];

/** `createStator`, remembered in {@link createdBySample}. */
export function createStator(options?: CreateStatorOptions): Stator {
  const stator = createRealStator(options);
  createdBySample.push(stator);
  return stator;
}
