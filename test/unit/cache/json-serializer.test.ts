import { describe, expect, it } from 'vitest';
import { jsonSerializer } from '../../../src/cache/json-serializer.js';

const roundTrip = (value: unknown): unknown => jsonSerializer.deserialize(jsonSerializer.serialize(value));

describe('jsonSerializer', () => {
  it('writes plain data as bare JSON behind the plain marker (read back without a reviver)', () => {
    expect(jsonSerializer.serialize({ a: [1, 'x', null] })).toBe('j{"a":[1,"x",null]}');
  });

  it('keeps Date, Buffer, Uint8Array, BigInt, Map and Set, nested anywhere', () => {
    const value = {
      at: new Date('2020-01-02T03:04:05.678Z'),
      invalid: new Date(Number.NaN),
      bytes: Buffer.from('héllo'),
      view: new Uint8Array([1, 2, 3]),
      big: -(2n ** 70n),
      map: new Map<unknown, unknown>([
        [1, new Date(5)],
        ['k', { deep: new Set(['a']) }],
      ]),
      list: [new Date(0), Buffer.alloc(0)],
    };
    const back = roundTrip(value) as typeof value;
    expect(back.at).toEqual(value.at);
    expect(Number.isNaN((back.invalid as Date).getTime())).toBe(true);
    expect(Buffer.isBuffer(back.bytes) && back.bytes.equals(value.bytes)).toBe(true);
    expect(Buffer.from(back.view as Uint8Array)).toEqual(Buffer.from([1, 2, 3]));
    expect(back.big).toBe(value.big);
    expect(back.map).toEqual(value.map);
    expect(back.list).toEqual([new Date(0), Buffer.alloc(0)]);
    expect(jsonSerializer.serialize(value).startsWith('J')).toBe(true);
  });

  it('a user object that has the marker property comes back unchanged', () => {
    const tricky = { $stator: 'Date', v: '2020-01-01', nested: { $stator: 'Buffer', v: 'aGk=' } };
    expect(roundTrip(tricky)).toEqual(tricky);
    expect(roundTrip([tricky, new Date(1)])).toEqual([tricky, new Date(1)]);
  });

  it('a top-level Date or Buffer round-trips', () => {
    expect(roundTrip(new Date(42))).toEqual(new Date(42));
    expect(roundTrip(Buffer.from([255]))).toEqual(Buffer.from([255]));
  });

  it('refuses what JSON cannot carry', () => {
    const circular: Record<string, unknown> = {};
    circular.me = circular;
    expect(() => jsonSerializer.serialize(undefined)).toThrow(TypeError);
    expect(() => jsonSerializer.serialize(() => 1)).toThrow(TypeError);
    expect(() => jsonSerializer.serialize(Symbol('s'))).toThrow(TypeError);
    expect(() => jsonSerializer.serialize(circular)).toThrow(TypeError);
  });

  it('refuses text it did not write', () => {
    expect(() => jsonSerializer.deserialize('{"a":1}')).toThrow(TypeError);
  });
});
