import { z } from 'zod';
import { PhoneInput } from '../phone';
import { says } from '../validation';
import { CaptchaSolution, PASSWORD_MAX_LENGTH } from './auth';

/** Where a password-reset code goes: a text to the phone, or the e-mail address on file. */
export const ResetChannel = z.enum(['sms', 'email'], {
  error: 'Choose where to send the code: "sms" or "email".',
});
export type ResetChannel = z.infer<typeof ResetChannel>;

export const ResetStartRequest = z.strictObject({
  phone: PhoneInput,
  channel: ResetChannel,
  /** Required: every reset starts with a solved captcha (`GET /v1/captcha/challenge`). */
  captcha: CaptchaSolution.optional(),
});
export type ResetStartRequest = z.input<typeof ResetStartRequest>;

/**
 * The same for every phone number, with or without an account, so the answer reveals nothing
 * about who is a subscriber. Where the code went is shown only after the code is proven.
 */
export const ResetStartResponse = z.object({
  sent: z.literal(true),
  channel: ResetChannel,
  /** Seconds before another code may be requested for this number. */
  resendAfterSeconds: z.number().int().nonnegative(),
  /** Seconds the code stays valid. */
  codeExpiresIn: z.number().int().positive(),
});
export type ResetStartResponse = z.infer<typeof ResetStartResponse>;

export const ResetCode = z
  .string(says('code.sixDigits'))
  .trim()
  .regex(/^\d{6}$/, says('code.sixDigits'))
  .max(6, says('code.sixDigits'));

export const ResetVerifyRequest = z.strictObject({
  phone: PhoneInput,
  code: ResetCode,
});
export type ResetVerifyRequest = z.input<typeof ResetVerifyRequest>;

/** Opaque reset ticket: 32 random bytes, base64url. */
export const ResetTicket = z
  .string({ error: 'A reset ticket is required.' })
  .regex(/^[A-Za-z0-9_-]{43}$/, 'That is not an Airtime reset ticket.')
  .max(43, 'That is not an Airtime reset ticket.');

export const ResetVerifyResponse = z.object({
  ticket: ResetTicket,
  /** Seconds the ticket stays valid (600). */
  expiresIn: z.number().int().positive(),
  channel: ResetChannel,
  /** Where the code was sent, masked: `m•••@example.com` or `•••-0100`. */
  destination: z.string(),
});
export type ResetVerifyResponse = z.infer<typeof ResetVerifyResponse>;

export const ResetCompleteRequest = z.strictObject({
  ticket: ResetTicket,
  newPassword: z
    .string(says('password.newEmpty'))
    .min(1, says('password.newEmpty'))
    .max(PASSWORD_MAX_LENGTH, says('password.tooLong')),
});
export type ResetCompleteRequest = z.infer<typeof ResetCompleteRequest>;
