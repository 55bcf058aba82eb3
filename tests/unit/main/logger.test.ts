import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../main/errors';
import { REDACTED, createLogger, scrubText, scrubValue } from '../../../main/services/logger';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkZW1vLTAxMDAiLCJzaWQiOiJhYmMifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
const REFRESH = 'Qm9vLWJvby1ib28tYm9vLWJvby1ib28tYm9vLWJvbzE';
const PASSWORD = 'Sunset-Harbor-42';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-log-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('scrubText', () => {
  it.each([
    ['+12065550100', '***00'],
    ['call +1 (206) 555-0142 now', 'call ***42 now'],
    ['(206) 555-0100', '***00'],
    ['206-555-0175', '***75'],
    ['206.555.0123', '***23'],
    ['2065550100', '***00'],
    ['1-206-555-0100', '***00'],
    ['+44 20 7946 0958', '***58'],
  ])('masks the phone number in %s', (input, expected) => {
    expect(scrubText(input)).toBe(expected);
  });

  it('redacts JWTs, bearer values, refresh tokens and key=value secrets', () => {
    expect(scrubText(`token ${JWT} end`)).toBe(`token ${REDACTED} end`);
    expect(scrubText(`Authorization: Bearer abc.def`)).not.toContain('abc.def');
    expect(scrubText(`rotated to ${REFRESH}.`)).toBe(`rotated to ${REDACTED}.`);
    expect(scrubText(`password=${PASSWORD}&x=1`)).toBe(`password=${REDACTED}&x=1`);
    expect(scrubText(`{"refreshToken":"abc"}`)).toBe(`{"refreshToken":"${REDACTED}"}`);
    expect(scrubText('your code: 482913')).toBe(`your code: ${REDACTED}`);
  });

  it('leaves ordinary text, dates, money, addresses and error codes alone', () => {
    const text =
      'GET http://127.0.0.1:8787/v1/account/summary 200 in 12 ms on 2026-11-25T12:00:00.000Z, $40.00 due, code ECONNREFUSED';
    expect(scrubText(text)).toBe(text);
  });
});

describe('scrubValue', () => {
  it('redacts secret fields at any depth and masks phone fields', () => {
    const out = scrubValue({
      phone: '+12065550100',
      body: { password: PASSWORD, nested: { refreshToken: REFRESH, accessToken: JWT } },
      headers: { Authorization: `Bearer ${JWT}`, 'set-cookie': 'a=b' },
      code: '123456',
      list: [{ token: 'x' }],
      account: '+13125550142',
    });
    expect(out).toEqual({
      phone: '***00',
      body: { password: REDACTED, nested: { refreshToken: REDACTED, accessToken: REDACTED } },
      headers: { Authorization: REDACTED, 'set-cookie': REDACTED },
      code: REDACTED,
      list: [{ token: REDACTED }],
      account: '***42',
    });
  });

  it('redacts device cookies, under their field and in free text', () => {
    const cookie = `${REFRESH}.${REFRESH}`;
    expect(scrubValue({ deviceCookie: cookie, body: { device_cookie: cookie } })).toEqual({
      deviceCookie: REDACTED,
      body: { device_cookie: REDACTED },
    });
    expect(scrubText(`kept ${cookie} for next time`)).toBe(
      `kept ${REDACTED}.${REDACTED} for next time`,
    );
  });

  it('keeps error codes but scrubs error messages, and survives cycles', () => {
    const error = new AppError('invalid_credentials', 'No account for +12065550100');
    const cyclic: Record<string, unknown> = { error };
    cyclic['self'] = cyclic;
    const out = scrubValue(cyclic) as { error: Record<string, unknown>; self: unknown };
    expect(out.error['code']).toBe('invalid_credentials');
    expect(out.error['message']).toBe('No account for ***00');
    expect(out.self).toBe('[circular]');
  });
});

describe('createLogger', () => {
  it('writes JSON lines with nothing secret in them (read back from the file)', () => {
    const log = createLogger({ directory: path.join(dir, 'logs'), level: 'debug' });
    log.info({ phone: '+12065550100', password: PASSWORD }, 'sign-in for +12065550100');
    log.warn(
      { response: { accessToken: JWT, refreshToken: REFRESH } },
      `refreshed with ${REFRESH}`,
    );
    log.error(new Error(`request failed for (206) 555-0100 with Bearer ${JWT}`));
    log.info('code=482913 sent to 206-555-0100 for %s', '+13125550142');
    log
      .child({ requestId: 'r1' })
      .child({ account: '+12065550100' })
      .info({ authorization: `Bearer ${JWT}` }, 'grandchild');
    log.debug(
      { err: new AppError('account_locked', `Locked for ${REFRESH}`, { retryAfterSeconds: 60 }) },
      'x',
    );

    const text = fs.readFileSync(path.join(dir, 'logs', 'main.log'), 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(6);
    for (const secret of [
      PASSWORD,
      JWT,
      REFRESH,
      '2065550100',
      '555-0100',
      '3125550142',
      '482913',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(lines[0]).toMatchObject({
      phone: '***00',
      password: REDACTED,
      msg: 'sign-in for ***00',
    });
    expect(lines[2]).toMatchObject({ level: 50, err: { type: 'Error' } });
    expect(lines[3]!['msg']).toBe(`code=${REDACTED} sent to ***00 for ***42`);
    expect(lines[4]).toMatchObject({ requestId: 'r1', account: '***00', authorization: REDACTED });
    expect(lines[5]).toMatchObject({
      err: { type: 'AppError', code: 'account_locked', extra: { retryAfterSeconds: 60 } },
    });
  });

  it('moves a large log aside at start-up', () => {
    fs.writeFileSync(path.join(dir, 'main.log'), 'x'.repeat(2000));
    const log = createLogger({ directory: dir, maxBytes: 1000 });
    log.info('fresh');
    expect(fs.statSync(path.join(dir, 'main.log.1')).size).toBe(2000);
    expect(fs.readFileSync(path.join(dir, 'main.log'), 'utf8')).toContain('fresh');
  });
});
