import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiErrorBody } from '../../../contract/errors';
import { IdempotencyHeaders } from '../../../contract/http/payments';
import {
  ROUTE_IDS,
  ROUTES,
  openApiPath,
  successStatus,
  type LockoutNumbers,
  type RouteDef,
} from '../../../contract/http/routes';
import { ACCOUNT_ROUTES, TWO_FACTOR_ROUTES } from '../../../contract/http/routes/account';
import { AUTH_ROUTES } from '../../../contract/http/routes/auth';
import { KIOSK_ROUTES } from '../../../contract/http/routes/kiosk';
import { PAYMENT_ROUTES } from '../../../contract/http/routes/payments';
import { PLAN_ROUTES } from '../../../contract/http/routes/plans';
import { SECURITY_ROUTES } from '../../../contract/http/routes/security';

const routes = ROUTE_IDS.map((id) => [id, ROUTES[id] as RouteDef] as const);
const statusesOf = (route: RouteDef) => Object.keys(route.responses).map(Number);

describe('the route table', () => {
  it('has every domain’s routes, none of them twice', () => {
    const domains = [
      AUTH_ROUTES,
      TWO_FACTOR_ROUTES,
      ACCOUNT_ROUTES,
      SECURITY_ROUTES,
      PAYMENT_ROUTES,
      PLAN_ROUTES,
      KIOSK_ROUTES,
    ];
    // A spread would let a later domain's id silently replace an earlier one's.
    const declared = domains.flatMap((domain) => Object.keys(domain));
    expect(new Set(declared).size).toBe(declared.length);
    expect([...ROUTE_IDS].sort()).toEqual(declared.sort());
  });

  it('names each route domain.action, and serves each method and path once', () => {
    for (const [id] of routes) expect(id).toMatch(/^[a-z][A-Za-z]*\.[a-z][A-Za-z]*$/);
    const endpoints = routes.map(([, route]) => `${route.method} ${route.path}`);
    expect(new Set(endpoints).size).toBe(endpoints.length);
  });

  it('declares exactly one success answer per route, with no body for a 204', () => {
    expect(successStatus(ROUTES['auth.signOut'])).toBe(204);
    expect(successStatus(ROUTES['payments.pay'])).toBe(201);
    expect(successStatus(ROUTES['auth.resetStart'])).toBe(202);
    expect(successStatus(ROUTES['account.summary'])).toBe(200);
    for (const [id, route] of routes) {
      const status = successStatus(route);
      if (status === 204) expect(route.responses[204], id).toBeInstanceOf(z.ZodNull);
    }
  });

  it('answers every error in the API’s error body', () => {
    for (const [id, route] of routes) {
      for (const status of statusesOf(route).filter((s) => s >= 400)) {
        expect(route.responses[status], `${id} ${status}`).toBe(ApiErrorBody);
      }
    }
  });

  it('validates exactly the path parameters the path names', () => {
    for (const [id, route] of routes) {
      const named = [...route.path.matchAll(/:([A-Za-z_]\w*)/g)].map((m) => m[1]);
      const params = route.params;
      if (named.length === 0) {
        expect(params, id).toBeUndefined();
        continue;
      }
      expect(params, id).toBeInstanceOf(z.ZodObject);
      expect(Object.keys((params as z.ZodObject).shape).sort(), id).toEqual(named.sort());
    }
  });

  it('takes a body only on POST and PUT, and declares what a body can go wrong with there', () => {
    for (const [id, route] of routes) {
      if (route.method === 'GET' || route.method === 'DELETE') {
        expect(route.body, id).toBeUndefined();
      } else {
        for (const status of [400, 413, 415]) expect(statusesOf(route), id).toContain(status);
      }
    }
  });

  it('asks for an Idempotency-Key exactly where the key is the route’s header', () => {
    const idempotent = routes.filter(([, route]) => route.idempotencyKey).map(([id]) => id);
    expect(idempotent.sort()).toEqual([
      'payments.pay',
      'payments.refill',
      'plans.buyAddOn',
      'plans.change',
    ]);
    for (const [id, route] of routes) {
      expect(route.headers === IdempotencyHeaders, id).toBe(route.idempotencyKey);
      // A retry still running, and a key reused with another body.
      if (route.idempotencyKey)
        expect(statusesOf(route), id).toEqual(expect.arrayContaining([409, 422]));
    }
  });

  it('declares the answers its caller and its rate limit can give', () => {
    for (const [id, route] of routes) {
      if (route.rateLimit !== 'none') expect(statusesOf(route), id).toContain(429);
      if (route.auth === 'bearer') {
        expect(route.path, id).toMatch(/^\/v1\/account\//);
        expect(statusesOf(route), id).toContain(401);
      } else {
        expect(route.path, id).not.toMatch(/^\/v1\/account\//);
      }
      if (route.auth === 'kiosk')
        expect(statusesOf(route), id).toEqual(expect.arrayContaining([401, 403]));
    }
  });

  it('publishes the server’s own lockout numbers in the sign-in description', () => {
    const numbers: LockoutNumbers = {
      deviceFailures: 4,
      maxFailures: 6,
      failureWindowMs: 30 * 60_000,
      untrustedFailures: 25,
      baseLockMs: 10 * 60_000,
      repeatWindowMs: 120 * 60_000,
      maxLockMs: 90 * 60_000,
    };
    const text = ROUTES['auth.signIn'].description(numbers);
    expect(text).toContain('own budget of 4 wrong tries');
    expect(text).toContain('6 wrong tries within 30 minutes');
    expect(text).toContain('and 25 from all of them together');
    expect(text).toContain(
      'A lock lasts 10 minutes, doubled for a repeat within 120 minutes, up to 90 minutes',
    );
  });

  it('writes path parameters the OpenAPI way', () => {
    expect(openApiPath('/v1/account/statements/:id/pdf')).toBe('/v1/account/statements/{id}/pdf');
    expect(openApiPath('/v1/account/statements.csv')).toBe('/v1/account/statements.csv');
  });
});
