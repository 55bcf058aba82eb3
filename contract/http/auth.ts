import { z } from 'zod';
import { E164Phone, PhoneInput } from '../phone';
import { PASSWORD_MAX_LENGTH, says } from '../validation';

export { PASSWORD_MAX_LENGTH };

export const Password = z
  .string(says('password.empty'))
  .min(1, says('password.empty'))
  .max(PASSWORD_MAX_LENGTH, says('password.tooLong'));

/** The ALTCHA solution (base64 JSON payload) when the API asked for one with `captcha_required`. */
export const CaptchaSolution = z
  .string({ error: 'The captcha solution must be a string.' })
  .min(1, 'The captcha solution is empty.')
  .max(2048, 'The captcha solution is too long.');

/** Opaque token of a computer the subscriber chose to remember after 2-step verification. */
export const DeviceToken = z
  .string({ error: 'The device token must be a string.' })
  .regex(/^[A-Za-z0-9_-]{43}$/, 'That is not an Airtime device token.')
  .max(43, 'That is not an Airtime device token.');

/**
 * A device cookie (OWASP's pattern against online guessing): issued by the API at every
 * successful sign-in, bound to that account and signed by the API. Sent back with the next
 * sign-ins to that account, it earns this computer its own budget of wrong passwords, so
 * strangers guessing the number cannot lock the subscriber out of it.
 */
export const DeviceCookie = z
  .string({ error: 'The device cookie must be a string.' })
  .regex(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/, 'That is not an Airtime device cookie.')
  .max(87, 'That is not an Airtime device cookie.');

/**
 * Which app on which computer is signing in: named in the sessions list and the sign-in history,
 * and used to tell a new device from a known one. `id` is a random per-installation UUID (not a
 * secret); kiosks send a fresh one per customer.
 */
export const DeviceInfo = z.strictObject({
  id: z.uuid('The device id must be a UUID.').max(36, 'The device id must be a UUID.'),
  name: z
    .string({ error: 'The device name must be a string.' })
    .trim()
    .min(1, 'The device name is empty.')
    .max(64, 'The device name is at most 64 characters.'),
  appVersion: z
    .string({ error: 'The app version must be a string.' })
    .trim()
    .min(1, 'The app version is empty.')
    .max(32, 'The app version is at most 32 characters.'),
});
export type DeviceInfo = z.infer<typeof DeviceInfo>;

export const SignInRequest = z.strictObject({
  phone: PhoneInput,
  password: Password,
  captcha: CaptchaSolution.optional(),
  device: DeviceInfo.optional(),
  /** From an earlier 2-step sign-in with "remember this computer": skips the second step. */
  deviceToken: DeviceToken.optional(),
  /** The device cookie of an earlier successful sign-in to this account, if this computer has one. */
  deviceCookie: DeviceCookie.optional(),
});
export type SignInRequest = z.input<typeof SignInRequest>;

/** Opaque refresh token: 32 random bytes, base64url. */
export const RefreshToken = z
  .string({ error: 'A refresh token is required.' })
  .regex(/^[A-Za-z0-9_-]{43}$/, 'That is not an Airtime refresh token.')
  .max(43, 'That is not an Airtime refresh token.');

export const SubscriberProfile = z.object({
  id: z.string(),
  phone: E164Phone,
  name: z.string(),
  email: z.string(),
});
export type SubscriberProfile = z.infer<typeof SubscriberProfile>;

export const TokenPair = z.object({
  accessToken: z.string(),
  refreshToken: RefreshToken,
  tokenType: z.literal('Bearer'),
  /** Seconds until the access token expires (never more than 600). */
  expiresIn: z.number().int().positive().max(600),
});
export type TokenPair = z.infer<typeof TokenPair>;

export const SignInResponse = TokenPair.extend({
  subscriber: SubscriberProfile,
  /** Only after a second step with `rememberDevice: true`: send as `deviceToken` for 30 days. */
  deviceToken: DeviceToken.optional(),
  /**
   * With every completed sign-in (never with a refresh): keep it for this account, replacing the
   * one sent, and send it as `deviceCookie` with the next sign-ins.
   */
  deviceCookie: DeviceCookie.optional(),
});
export type SignInResponse = z.infer<typeof SignInResponse>;

export const RefreshRequest = z.strictObject({ refreshToken: RefreshToken });
export type RefreshRequest = z.infer<typeof RefreshRequest>;

export const RefreshResponse = SignInResponse;
export type RefreshResponse = z.infer<typeof RefreshResponse>;

export const SignOutRequest = z.strictObject({ refreshToken: RefreshToken });
export type SignOutRequest = z.infer<typeof SignOutRequest>;
