import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry } from '../../../src/cache/envelope.js';

describe('entry envelope', () => {
  it('a plain entry costs one character', () => {
    expect(encodeEntry('j1')).toBe('0j1');
    expect(decodeEntry('0j1')).toEqual({ payload: 'j1' });
  });

  it('keeps the soft expiry and the negative flag, whatever the payload holds', () => {
    const payload = 'j"line one\\nline two"\n{"s":1}';
    const text = encodeEntry(payload, { softExpiresAt: 1234 });
    expect(decodeEntry(text)).toEqual({ payload, softExpiresAt: 1234 });
    expect(decodeEntry(encodeEntry('', { negative: true }))).toEqual({ payload: '', negative: true });
  });

  it('an empty meta is written as a plain entry', () => {
    expect(encodeEntry('jx', {})).toBe('0jx');
  });

  it('text that is not an envelope reads as nothing', () => {
    expect(decodeEntry('hello')).toBeUndefined();
    expect(decodeEntry('1{not json\npayload')).toBeUndefined();
    expect(decodeEntry('1{"s":1}')).toBeUndefined();
  });
});
