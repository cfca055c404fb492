import { describe, expect, it } from 'vitest';
import { describeError } from '../../../machines/resource.machine.js';

describe('supervisor machine', () => {
  it('describeError never throws, whatever was thrown', () => {
    const hostile = {
      toString() {
        throw new Error('no');
      },
    };
    expect(describeError(Object.create(null))).toMatchObject({ name: 'Error' });
    expect(describeError(hostile).message).toContain('cannot be described');
    expect(describeError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toEqual({
      name: 'Error',
      message: 'refused',
      code: 'ECONNREFUSED',
    });
    expect(describeError('plain text')).toEqual({ name: 'Error', message: 'plain text' });
    expect(describeError(undefined).message).toBe('unknown error');
  });
});
