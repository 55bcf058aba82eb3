import { z } from 'zod';

/** A 6-digit code from an authenticator app, or a one-time recovery code (`xxxxx-xxxxx`). */
export const SecondFactorCode = z
  .string({ error: 'Enter the code from your authenticator app or a recovery code.' })
  .trim()
  .regex(
    /^(\d{6}|[0-9a-f]{5}-?[0-9a-f]{5})$/i,
    'Enter the 6-digit code from your authenticator app or a recovery code.',
  );

export const TwoFactorEnrolResponse = z.object({
  /** Base32 secret, for typing into an authenticator app by hand. */
  secret: z.string(),
  /** `otpauth://totp/…`: the app renders it as a QR code locally. */
  otpauthUri: z.string(),
});
export type TwoFactorEnrolResponse = z.infer<typeof TwoFactorEnrolResponse>;

export const TwoFactorConfirmRequest = z.strictObject({
  code: z
    .string({ error: 'Enter the 6-digit code.' })
    .trim()
    .regex(/^\d{6}$/, 'Enter the 6-digit code from your authenticator app.'),
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
  .regex(/^[A-Za-z0-9_-]{43}$/, 'That is not an Airtime sign-in challenge.');

export const SecondFactorRequest = z.strictObject({
  challenge: SecondFactorChallengeToken,
  code: SecondFactorCode,
});
export type SecondFactorRequest = z.infer<typeof SecondFactorRequest>;
