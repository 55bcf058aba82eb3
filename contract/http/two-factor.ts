import { z } from 'zod';
import { says } from '../validation';
import { DeviceInfo, Password } from './auth';

/** How the second step is proven: a code from an authenticator app, or a code texted to the line. */
export const TwoFactorMethod = z.enum(['totp', 'sms'], {
  error: 'Choose "totp" (authenticator app) or "sms" (text message).',
});
export type TwoFactorMethod = z.infer<typeof TwoFactorMethod>;

/** A 6-digit code (authenticator app or text message), or a one-time recovery code (`xxxxx-xxxxx`). */
export const SecondFactorCode = z
  .string(says('code.secondFactorEmpty'))
  .trim()
  .regex(/^(\d{6}|[0-9a-f]{5}-?[0-9a-f]{5})$/i, says('code.secondFactor'))
  .max(11, says('code.secondFactor'));

/** Body of `POST /v1/account/two-factor/enrol`; without a body (or a method), `totp`. */
export const TwoFactorEnrolRequest = z.strictObject({ method: TwoFactorMethod.default('totp') });
export type TwoFactorEnrolRequest = z.input<typeof TwoFactorEnrolRequest>;

export const TwoFactorEnrolResponse = z.discriminatedUnion('method', [
  z.object({
    method: z.literal('totp'),
    /** Base32 secret, for typing into an authenticator app by hand. */
    secret: z.string(),
    /** `otpauth://totp/…`: the app renders it as a QR code locally. */
    otpauthUri: z.string(),
  }),
  z.object({
    method: z.literal('sms'),
    /** A code was texted here (masked, `•••-0100`); confirm with it. */
    destination: z.string(),
    resendAfterSeconds: z.number().int().nonnegative(),
  }),
]);
export type TwoFactorEnrolResponse = z.infer<typeof TwoFactorEnrolResponse>;

export const TwoFactorConfirmRequest = z.strictObject({
  code: z
    .string(says('code.sixDigits'))
    .trim()
    .regex(/^\d{6}$/, says('code.sixDigits'))
    .max(6, says('code.sixDigits')),
});
export type TwoFactorConfirmRequest = z.infer<typeof TwoFactorConfirmRequest>;

export const TwoFactorConfirmResponse = z.object({
  enabled: z.literal(true),
  /** Ten one-time codes, shown once: each signs in once without the authenticator. */
  recoveryCodes: z.array(z.string()).length(10),
});
export type TwoFactorConfirmResponse = z.infer<typeof TwoFactorConfirmResponse>;

/** Opaque second-factor challenge from a `second_factor_required` answer. */
export const SecondFactorChallengeToken = z
  .string({ error: 'The sign-in challenge is missing.' })
  .regex(/^[A-Za-z0-9_-]{43}$/, 'That is not an Airtime sign-in challenge.')
  .max(43, 'That is not an Airtime sign-in challenge.');

export const SecondFactorRequest = z.strictObject({
  challenge: SecondFactorChallengeToken,
  code: SecondFactorCode,
  /** "Remember this computer for 30 days": the answer then carries a `deviceToken`. */
  rememberDevice: z.boolean().optional(),
  device: DeviceInfo.optional(),
});
export type SecondFactorRequest = z.infer<typeof SecondFactorRequest>;

/** `POST /v1/auth/second-factor/resend`: another text for an `sms` challenge. */
export const SecondFactorResendRequest = z.strictObject({ challenge: SecondFactorChallengeToken });
export type SecondFactorResendRequest = z.infer<typeof SecondFactorResendRequest>;

export const SecondFactorResendResponse = z.object({
  sent: z.literal(true),
  destination: z.string(),
  resendAfterSeconds: z.number().int().nonnegative(),
});
export type SecondFactorResendResponse = z.infer<typeof SecondFactorResendResponse>;

/** Turning 2-step off, or replacing the recovery codes, needs the password again. */
export const PasswordConfirmation = z.strictObject({ password: Password });
export type PasswordConfirmation = z.infer<typeof PasswordConfirmation>;

export const RecoveryCodesResponse = z.object({
  /** Ten new one-time codes; every older one stops working. Shown once. */
  recoveryCodes: z.array(z.string()).length(10),
});
export type RecoveryCodesResponse = z.infer<typeof RecoveryCodesResponse>;
