import { z } from 'zod';
import { PASSWORD_MAX_LENGTH } from './http/auth';
import { says } from './validation';

export const SubscriberName = z
  .string({ error: 'Enter a name.' })
  .trim()
  .min(1, 'Enter a name.')
  .max(100, 'Names are at most 100 characters.');

export const EmailAddress = z
  .string(says('email.empty'))
  .trim()
  .max(254, says('email.tooLong'))
  .pipe(z.email(says('email.invalid')));

export const PASSWORD_MIN_LENGTH = 8;

/** A password being set (not one being checked at sign-in, which may predate today's rules). */
export const NewPassword = z
  .string({ error: 'Enter a password.' })
  .min(PASSWORD_MIN_LENGTH, `Passwords need at least ${PASSWORD_MIN_LENGTH} characters.`)
  .max(PASSWORD_MAX_LENGTH, says('password.tooLong'));

export const PlanId = z
  .string({ error: 'Enter a plan id.' })
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'Plan ids are lower-case letters, digits and dashes.');
