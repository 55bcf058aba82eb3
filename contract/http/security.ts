import { z } from 'zod';
import { E164Phone, PhoneInput } from '../phone';
import { IsoDateTime } from './account';
import { Password, PASSWORD_MAX_LENGTH } from './auth';
import { TwoFactorMethod } from './two-factor';
import { EmailAddress } from '../subscriber';
import { issue, says } from '../validation';

/**
 * The security center: the account's protection at a glance, its signed-in devices, its sign-in
 * history, and the changes that need the password again (password, e-mail, contact number).
 */

export const SecurityOverview = z.object({
  twoFactor: z.object({
    enabled: z.boolean(),
    /** `null` while 2-step verification is off. */
    method: TwoFactorMethod.nullable(),
    /** Unused recovery codes left (0 while 2-step is off). */
    recoveryCodesLeft: z.number().int().nonnegative(),
  }),
  /** The line the account signs in with (cannot be changed here). */
  phone: E164Phone,
  /** Where reset codes and security notices go. */
  email: z.string(),
  /** A second number to reach the subscriber on, or `null`. */
  contactPhone: E164Phone.nullable(),
  /** When the password was last set (by the subscriber, a reset or an administrator). */
  passwordChangedAt: IsoDateTime.nullable(),
  /** Computers remembered for 2-step verification that are still valid. */
  rememberedDevices: z.number().int().nonnegative(),
});
export type SecurityOverview = z.infer<typeof SecurityOverview>;

export const ChangePasswordRequest = z.strictObject({
  currentPassword: Password,
  newPassword: z
    .string(says('password.newEmpty'))
    .min(1, says('password.newEmpty'))
    .max(PASSWORD_MAX_LENGTH, says('password.tooLong')),
});
export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequest>;

export const ChangePasswordResponse = z.object({
  /** Every other session of the account was ended; this one stays signed in. */
  otherSessionsSignedOut: z.number().int().nonnegative(),
});
export type ChangePasswordResponse = z.infer<typeof ChangePasswordResponse>;

/** Change the e-mail and/or the contact number; at least one. `contactPhone: null` removes it. */
export const ChangeContactRequest = z
  .strictObject({
    password: Password,
    email: EmailAddress.optional(),
    contactPhone: PhoneInput.nullable().optional(),
  })
  .refine((v) => v.email !== undefined || v.contactPhone !== undefined, {
    ...issue('email.nothingToChange'),
    path: ['email'],
  });
export type ChangeContactRequest = z.input<typeof ChangeContactRequest>;

export const ActiveSession = z.object({
  id: z.uuid(),
  /** The session this request was made with. */
  current: z.boolean(),
  /** As the app named it (the computer's name), or a description of the client. */
  deviceName: z.string(),
  /** `null` for clients other than the desktop app. */
  appVersion: z.string().nullable(),
  signedInAt: IsoDateTime,
  lastSeenAt: IsoDateTime,
  /** The address it last signed in or refreshed from; the approximate place is not looked up. */
  ip: z.string().nullable(),
});
export type ActiveSession = z.infer<typeof ActiveSession>;

export const SessionList = z.object({ sessions: z.array(ActiveSession) });
export type SessionList = z.infer<typeof SessionList>;

export const SessionIdParams = z.strictObject({
  id: z.uuid('That is not a session id.').max(36, 'That is not a session id.'),
});

export const SignOutOthersResponse = z.object({
  signedOut: z.number().int().nonnegative(),
});
export type SignOutOthersResponse = z.infer<typeof SignOutOthersResponse>;

/** What happened, as the sign-in history lists it. */
export const SecurityEventKind = z.enum([
  'signed_in',
  'wrong_password',
  'locked',
  'second_factor_failed',
  'password_changed',
  'password_reset',
  'two_factor_enabled',
  'two_factor_disabled',
  'recovery_codes_replaced',
  'contact_changed',
  'session_signed_out',
]);
export type SecurityEventKind = z.infer<typeof SecurityEventKind>;

export const SecurityEvent = z.object({
  id: z.string(),
  at: IsoDateTime,
  kind: SecurityEventKind,
  /** `signed_in` from a device never seen on this account before (a notice was e-mailed). */
  newDevice: z.boolean(),
  deviceName: z.string().nullable(),
  appVersion: z.string().nullable(),
  ip: z.string().nullable(),
});
export type SecurityEvent = z.infer<typeof SecurityEvent>;

export const SecurityEventList = z.object({
  items: z.array(SecurityEvent),
  /** Pass as `cursor` for the next (older) page; `null` on the last page. */
  nextCursor: z.string().nullable(),
});
export type SecurityEventList = z.infer<typeof SecurityEventList>;
