import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeCursor, encodeCursor } from '../../../server/src/account/pagination';
import { ApiHttpError } from '../../../server/src/errors';
import { PageQuery } from '../../../contract/http/account';

const raw = (json: string) => Buffer.from(json, 'utf8').toString('base64url');

function expectInvalidCursor(run: () => unknown): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ApiHttpError);
  const error = thrown as ApiHttpError;
  expect(error.statusCode).toBe(400);
  expect(error.code).toBe('invalid_request');
  expect(error.message).toBe('That page cursor is not valid. Start from the first page.');
  expect(error.extra.issues).toEqual([
    { path: 'querystring.cursor', message: 'That cursor is not valid.' },
  ]);
}

describe('page cursors', () => {
  it('round-trips a date key and an id', () => {
    const cursor = encodeCursor(['2026-11-07', 'demo-0100-st-2026-11-07']);
    expect(decodeCursor<string>(cursor, 'string')).toEqual([
      '2026-11-07',
      'demo-0100-st-2026-11-07',
    ]);
  });

  it('round-trips a timestamp key and an id', () => {
    const cursor = encodeCursor([1_795_000_000_000, 'pay-1']);
    expect(decodeCursor<number>(cursor, 'number')).toEqual([1_795_000_000_000, 'pay-1']);
  });

  it('is opaque and fits the cursor query parameter', () => {
    const cursor = encodeCursor(['2026-11-07', 'demo-0100-st-2026-11-07']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('2026');
    expect(PageQuery.safeParse({ cursor }).success).toBe(true);
  });

  it('round-trips any key the API writes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: Date.UTC(2200, 0, 1) }),
          fc
            .integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) })
            .map((ms) => new Date(ms).toISOString().slice(0, 10)),
        ),
        fc.stringMatching(/^[A-Za-z0-9-]{1,64}$/),
        (key, id) => {
          const cursor = encodeCursor([key, id]);
          const type = typeof key === 'number' ? 'number' : 'string';
          expect(decodeCursor(cursor, type)).toEqual([key, id]);
          expect(PageQuery.safeParse({ cursor }).success).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('answers a garbage cursor with 400 invalid_request', () => {
    for (const cursor of [
      '',
      'garbage',
      '!!!',
      raw('not json'),
      raw('{}'),
      raw('null'),
      raw('"x"'),
    ]) {
      expectInvalidCursor(() => decodeCursor(cursor, 'string'));
      expectInvalidCursor(() => decodeCursor(cursor, 'number'));
    }
  });

  it('answers a cursor of the wrong shape or key type with 400 invalid_request', () => {
    expectInvalidCursor(() => decodeCursor(encodeCursor(['2026-11-07', 'x']), 'number'));
    expectInvalidCursor(() => decodeCursor(encodeCursor([1_795_000_000_000, 'x']), 'string'));
    expectInvalidCursor(() => decodeCursor(raw('["2026-11-07"]'), 'string'));
    expectInvalidCursor(() => decodeCursor(raw('["2026-11-07","a","b"]'), 'string'));
    expectInvalidCursor(() => decodeCursor(raw('["2026-11-07",42]'), 'string'));
    expectInvalidCursor(() => decodeCursor(raw('[null,"x"]'), 'number'));
  });

  it('refuses number keys that are not whole milliseconds (no timestamp is 1.5 or 1e400)', () => {
    expectInvalidCursor(() => decodeCursor(raw('[1.5,"x"]'), 'number'));
    expectInvalidCursor(() => decodeCursor(raw('[1e400,"x"]'), 'number'));
    expectInvalidCursor(() => decodeCursor(raw('[-1e400,"x"]'), 'number'));
    expectInvalidCursor(() => decodeCursor(raw('[9007199254740993,"x"]'), 'number'));
  });

  it('refuses keys with a NUL character, which no stored value contains', () => {
    expectInvalidCursor(() => decodeCursor(raw('["2026-11-07\\u0000","x"]'), 'string'));
    expectInvalidCursor(() => decodeCursor(raw('["2026-11-07","x\\u0000"]'), 'string'));
    expectInvalidCursor(() => decodeCursor(raw('[1795000000000,"\\u0000"]'), 'number'));
  });

  it('never throws anything but the invalid-cursor error on random input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.jsonValue().map((v) => raw(JSON.stringify(v) ?? 'null')),
          fc.tuple(fc.jsonValue(), fc.jsonValue()).map((v) => raw(JSON.stringify(v))),
        ),
        fc.constantFrom<'string' | 'number'>('string', 'number'),
        (cursor, type) => {
          try {
            const [key, id] = decodeCursor(cursor, type);
            expect(typeof key).toBe(type);
            expect(typeof id).toBe('string');
          } catch (error) {
            expect(error).toBeInstanceOf(ApiHttpError);
            expect((error as ApiHttpError).statusCode).toBe(400);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
