import spectralCore from '@stoplight/spectral-core';
import { Json } from '@stoplight/spectral-parsers';
import { oas } from '@stoplight/spectral-rulesets';
import owasp from '@stoplight/spectral-owasp-ruleset';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind } from './support/test-db';

interface Finding {
  code: string;
  path: string;
  message: string;
}

/**
 * The OpenAPI document the API serves, checked with Spectral's OpenAPI rules and the OWASP API
 * Security Top 10 ruleset. What a client sends (request bodies, parameters) and how each
 * operation is secured must hold no error; findings about response schemas are reported but
 * allowed, since they bound what the API writes, not what an attacker can send. The document is
 * the same on every database, so it is checked once.
 */
describe.skipIf(dbKind !== 'sqlite')('the OpenAPI document under the OWASP ruleset', () => {
  let t: TestApp;
  let errors: Finding[];

  beforeAll(async () => {
    t = await createTestApp();
    const res = await t.get('/v1/openapi.json');
    expect(res.statusCode).toBe(200);
    const spectral = new spectralCore.Spectral();
    spectral.setRuleset({
      extends: [
        [oas, 'recommended'],
        [owasp, 'all'],
      ],
    } as never);
    const results = await spectral.run(new spectralCore.Document(res.body, Json as never));
    errors = results
      .filter((r) => r.severity === 0)
      .map((r) => ({ code: r.code.toString(), path: r.path.join('.'), message: r.message }));
  }, 60_000);
  afterAll(async () => t?.close());

  const isResponseSchema = (f: Finding) =>
    f.path.includes('.responses.') || f.path.startsWith('components.schemas.');

  it('bounds every string, array and integer a client can send', () => {
    const requestSide = errors.filter(
      (f) =>
        !isResponseSchema(f) &&
        (f.path.includes('.requestBody.') || f.path.includes('.parameters.')),
    );
    expect(requestSide).toEqual([]);
  });

  it('declares the security of every operation, and the token scheme follows RFC8725', () => {
    expect(errors.filter((f) => f.code.startsWith('owasp:api2:'))).toEqual([]);
  });

  it('has no other error outside the response schemas', () => {
    expect(errors.filter((f) => !isResponseSchema(f))).toEqual([]);
  });
});
