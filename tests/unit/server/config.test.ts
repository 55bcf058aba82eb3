import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import {
  DEFAULT_DB,
  DEFAULT_PORT,
  lockoutFromConfig,
  resolveServeConfig,
} from '../../../server/src/config';
import {
  DEFAULT_LOCKOUT_POLICY,
  DEFAULT_SIGN_IN_BUDGETS,
} from '../../../server/src/auth/lockout-policy';

const SECRET = 'a-signing-secret-that-is-long-enough-0123456789';

/** The messages a failed resolve carries, as the CLI prints them. */
function errorsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ZodError);
    return (error as ZodError).issues.map((i) => i.message);
  }
  throw new Error('expected the configuration to be refused');
}

describe('resolveServeConfig', () => {
  it('uses the defaults when nothing is set', () => {
    expect(resolveServeConfig({}, {})).toEqual({
      db: DEFAULT_DB,
      host: '127.0.0.1',
      port: DEFAULT_PORT,
      authRateLimit: 60,
      tokenSecret: undefined,
      trustProxy: false,
      logLevel: 'info',
      seedDemo: false,
      dev: false,
    });
    expect(DEFAULT_PORT).toBe(8787);
    expect(DEFAULT_DB).toBe('.data/airtime.sqlite');
  });

  it('environment variables beat the defaults', () => {
    const config = resolveServeConfig(
      {},
      {
        AIRTIME_DB: 'postgres://db.example/airtime',
        AIRTIME_HOST: '0.0.0.0',
        AIRTIME_PORT: '9000',
        AIRTIME_AUTH_RATE_LIMIT: '0',
        AIRTIME_TOKEN_SECRET: SECRET,
        AIRTIME_TRUST_PROXY: '1',
        AIRTIME_LOG_LEVEL: 'warn',
      },
    );
    expect(config).toMatchObject({
      db: 'postgres://db.example/airtime',
      host: '0.0.0.0',
      port: 9000,
      authRateLimit: 0,
      tokenSecret: SECRET,
      trustProxy: 1,
      logLevel: 'warn',
    });
  });

  it('flags beat environment variables', () => {
    const config = resolveServeConfig(
      { db: '/srv/airtime.sqlite', host: '::1', port: '8080', seedDemo: true },
      {
        AIRTIME_DB: 'postgres://db.example/airtime',
        AIRTIME_HOST: '0.0.0.0',
        AIRTIME_PORT: '9000',
      },
    );
    expect(config).toMatchObject({
      db: '/srv/airtime.sqlite',
      host: '::1',
      port: 8080,
      seedDemo: true,
    });
  });

  it('blank environment variables count as unset', () => {
    const config = resolveServeConfig(
      {},
      {
        AIRTIME_DB: '',
        AIRTIME_HOST: '  ',
        AIRTIME_PORT: '',
        AIRTIME_AUTH_RATE_LIMIT: ' ',
        AIRTIME_TOKEN_SECRET: '',
      },
    );
    expect(config).toMatchObject({
      db: DEFAULT_DB,
      host: '127.0.0.1',
      port: DEFAULT_PORT,
      authRateLimit: 60,
    });
    expect(config.tokenSecret).toBeUndefined();
  });

  it('--seed-demo is demo data only: dev mode (and its outbox) needs --dev', () => {
    expect(resolveServeConfig({ seedDemo: true }, {})).toMatchObject({
      seedDemo: true,
      dev: false,
    });
    expect(resolveServeConfig({ seedDemo: true, dev: true }, {})).toMatchObject({
      seedDemo: true,
      dev: true,
    });
    expect(resolveServeConfig({ dev: true }, {})).toMatchObject({ seedDemo: false, dev: true });
  });

  it('reads AIRTIME_TRUST_PROXY as a hop count or a list of proxy addresses and ranges', () => {
    const trust = (value: string | undefined) =>
      resolveServeConfig({}, value === undefined ? {} : { AIRTIME_TRUST_PROXY: value }).trustProxy;
    expect(trust(undefined)).toBe(false);
    expect(trust('')).toBe(false);
    expect(trust('0')).toBe(false);
    expect(trust('1')).toBe(1);
    expect(trust('2')).toBe(2);
    expect(trust('10.0.0.5')).toEqual(['10.0.0.5']);
    expect(trust(' 10.0.0.5, 10.1.0.0/16 ,2001:db8::/32 ')).toEqual([
      '10.0.0.5',
      '10.1.0.0/16',
      '2001:db8::/32',
    ]);
  });

  it('refuses to trust every proxy, which would let any client pick its own address', () => {
    for (const value of [
      'true',
      'yes',
      'all',
      '*',
      '10.0.0.0/33',
      '300.1.1.1',
      '11',
      '1.2.3.4/8/9',
    ]) {
      const [message] = errorsOf(() => resolveServeConfig({}, { AIRTIME_TRUST_PROXY: value }));
      expect(message, value).toMatch(/^AIRTIME_TRUST_PROXY must be the number of reverse proxies/);
    }
  });

  it('explains a port that is not a number', () => {
    expect(errorsOf(() => resolveServeConfig({ port: 'abc' }, {}))).toEqual([
      'port must be a number.',
    ]);
    expect(errorsOf(() => resolveServeConfig({}, { AIRTIME_PORT: 'http' }))).toEqual([
      'port must be a number.',
    ]);
  });

  it('refuses an empty --port instead of quietly listening on a random port', () => {
    expect(errorsOf(() => resolveServeConfig({ port: '' }, {}))).toEqual([
      'port must be a number.',
    ]);
    expect(errorsOf(() => resolveServeConfig({ port: '  ' }, {}))).toEqual([
      'port must be a number.',
    ]);
    // Asking for port 0 on purpose still means "any free port".
    expect(resolveServeConfig({ port: '0' }, {}).port).toBe(0);
  });

  it('explains a port that is fractional or out of range', () => {
    expect(errorsOf(() => resolveServeConfig({ port: '80.5' }, {}))).toEqual([
      'port must be a whole number.',
    ]);
    expect(errorsOf(() => resolveServeConfig({ port: '65536' }, {}))).toEqual([
      'port must be at most 65535.',
    ]);
    expect(errorsOf(() => resolveServeConfig({ port: '-1' }, {}))).toEqual([
      'port must be at least 0.',
    ]);
  });

  it('explains a bad auth rate limit', () => {
    expect(errorsOf(() => resolveServeConfig({}, { AIRTIME_AUTH_RATE_LIMIT: 'lots' }))).toEqual([
      'AIRTIME_AUTH_RATE_LIMIT must be a number.',
    ]);
    expect(errorsOf(() => resolveServeConfig({}, { AIRTIME_AUTH_RATE_LIMIT: '-5' }))).toEqual([
      'AIRTIME_AUTH_RATE_LIMIT must be at least 0.',
    ]);
    expect(errorsOf(() => resolveServeConfig({}, { AIRTIME_AUTH_RATE_LIMIT: '2.5' }))).toEqual([
      'AIRTIME_AUTH_RATE_LIMIT must be a whole number.',
    ]);
  });

  it('explains a token secret that is too short', () => {
    expect(
      errorsOf(() => resolveServeConfig({}, { AIRTIME_TOKEN_SECRET: 'short-secret' })),
    ).toEqual(['AIRTIME_TOKEN_SECRET must be at least 32 characters.']);
    expect(resolveServeConfig({}, { AIRTIME_TOKEN_SECRET: 'x'.repeat(32) }).tokenSecret).toBe(
      'x'.repeat(32),
    );
  });

  it('refuses an unknown log level', () => {
    const messages = errorsOf(() => resolveServeConfig({}, { AIRTIME_LOG_LEVEL: 'loud' }));
    expect(messages).toHaveLength(1);
  });

  it('reports every problem at once', () => {
    const messages = errorsOf(() =>
      resolveServeConfig(
        { port: 'abc' },
        { AIRTIME_AUTH_RATE_LIMIT: 'x', AIRTIME_TOKEN_SECRET: 'short' },
      ),
    );
    expect(messages).toEqual([
      'port must be a number.',
      'AIRTIME_AUTH_RATE_LIMIT must be a number.',
      'AIRTIME_TOKEN_SECRET must be at least 32 characters.',
    ]);
  });

  it('reads the delivery settings for reset codes', () => {
    const config = resolveServeConfig(
      {},
      {
        AIRTIME_SMTP_URL: 'smtps://mailer:secret@mail.example:465',
        AIRTIME_MAIL_FROM: 'Airtime <help@example.com>',
        AIRTIME_SMS_URL: 'https://sms.example/v1/messages',
        AIRTIME_SMS_TOKEN: 'tok',
        AIRTIME_SMS_BODY_TEMPLATE: '{"dest":"{{to}}","msg":"{{text}}"}',
        AIRTIME_OUTBOX: '/tmp/outbox.jsonl',
      },
    );
    expect(config).toMatchObject({
      smtpUrl: 'smtps://mailer:secret@mail.example:465',
      mailFrom: 'Airtime <help@example.com>',
      smsUrl: 'https://sms.example/v1/messages',
      smsToken: 'tok',
      smsBodyTemplate: '{"dest":"{{to}}","msg":"{{text}}"}',
      outboxFile: '/tmp/outbox.jsonl',
    });
  });

  it('refuses delivery settings that cannot work', () => {
    expect(
      errorsOf(() =>
        resolveServeConfig(
          {},
          {
            AIRTIME_SMTP_URL: 'http://mail.example',
            AIRTIME_SMS_URL: 'not a url',
            AIRTIME_SMS_BODY_TEMPLATE: '{"to":"{{to}}"}',
          },
        ),
      ),
    ).toEqual([
      'AIRTIME_SMTP_URL must be a URL starting with smtp:// or smtps://',
      'AIRTIME_SMS_URL must be a URL starting with http:// or https://',
      'AIRTIME_SMS_BODY_TEMPLATE must contain {{to}} and {{text}}.',
    ]);
    expect(
      errorsOf(() => resolveServeConfig({}, { AIRTIME_SMS_BODY_TEMPLATE: '{to: {{to}} {{text}}' })),
    ).toEqual(['AIRTIME_SMS_BODY_TEMPLATE must be JSON.']);
  });

  it('reads the captcha key and size, and refuses a short key', () => {
    expect(
      resolveServeConfig(
        {},
        { AIRTIME_CAPTCHA_KEY: 'k'.repeat(32), AIRTIME_CAPTCHA_MAX_NUMBER: '80000' },
      ),
    ).toMatchObject({ captchaKey: 'k'.repeat(32), captchaMaxNumber: 80_000 });
    expect(errorsOf(() => resolveServeConfig({}, { AIRTIME_CAPTCHA_KEY: 'short' }))).toEqual([
      'AIRTIME_CAPTCHA_KEY must be at least 32 characters.',
    ]);
  });

  it('reads how often expired rows are pruned, 0 for never', () => {
    expect(resolveServeConfig({}, {}).pruneIntervalMinutes).toBeUndefined();
    expect(
      resolveServeConfig({}, { AIRTIME_PRUNE_INTERVAL_MINUTES: '15' }).pruneIntervalMinutes,
    ).toBe(15);
    expect(
      resolveServeConfig({}, { AIRTIME_PRUNE_INTERVAL_MINUTES: '0' }).pruneIntervalMinutes,
    ).toBe(0);
    expect(
      errorsOf(() => resolveServeConfig({}, { AIRTIME_PRUNE_INTERVAL_MINUTES: '-1' })),
    ).toEqual(['AIRTIME_PRUNE_INTERVAL_MINUTES must be at least 0.']);
  });
});

describe('lockoutFromConfig', () => {
  it('is the published defaults when nothing is set', () => {
    const { lockout, signInBudgets } = lockoutFromConfig(resolveServeConfig({}, {}));
    expect(lockout).toEqual(DEFAULT_LOCKOUT_POLICY);
    expect(signInBudgets).toEqual(DEFAULT_SIGN_IN_BUDGETS);
    expect([
      lockout.maxFailures,
      signInBudgets.untrustedFailures,
      signInBudgets.deviceFailures,
      lockout.baseLockMs / 60_000,
      lockout.maxLockMs / 60_000,
    ]).toEqual([5, 20, 5, 15, 60]);
  });

  it('takes every number from its AIRTIME_LOCKOUT_* variable', () => {
    const { lockout, signInBudgets } = lockoutFromConfig(
      resolveServeConfig(
        {},
        {
          AIRTIME_LOCKOUT_CLIENT_FAILURES: '3',
          AIRTIME_LOCKOUT_NUMBER_FAILURES: '50',
          AIRTIME_LOCKOUT_DEVICE_FAILURES: '8',
          AIRTIME_LOCKOUT_MINUTES: '10',
          AIRTIME_LOCKOUT_WINDOW_MINUTES: '30',
        },
      ),
    );
    expect(lockout).toMatchObject({ maxFailures: 3, baseLockMs: 600_000, maxLockMs: 2_400_000 });
    expect(signInBudgets).toMatchObject({
      untrustedFailures: 50,
      deviceFailures: 8,
      failureWindowMs: 1_800_000,
    });
  });

  it('refuses a budget of nothing, or one that is not a number, naming the variable', () => {
    expect(
      errorsOf(() => resolveServeConfig({}, { AIRTIME_LOCKOUT_CLIENT_FAILURES: '0' })),
    ).toEqual(['AIRTIME_LOCKOUT_CLIENT_FAILURES must be at least 1.']);
    expect(errorsOf(() => resolveServeConfig({}, { AIRTIME_LOCKOUT_MINUTES: 'soon' }))).toEqual([
      'AIRTIME_LOCKOUT_MINUTES must be a number.',
    ]);
  });
});
