/**
 * The e-mails a subscriber gets when something happens to their account's security. Each says
 * what happened, when (in UTC, since the server does not know the subscriber's time zone), from
 * which device and address, and what to do if it was not them.
 *
 * Nothing secret ever goes in: no codes, tokens or passwords, and addresses are masked. The
 * details below are all these texts are given, so a secret cannot slip in by accident.
 */

export type NoticeKind =
  | 'new_sign_in'
  | 'locked'
  | 'password_changed'
  | 'password_reset'
  | 'two_factor_enabled'
  | 'two_factor_disabled'
  | 'recovery_codes_replaced'
  | 'contact_changed';

export interface NoticeDetails {
  /** When it happened, epoch milliseconds. */
  at: number;
  /** The account's number (E.164); only its last four digits are shown. */
  phone: string;
  /** What did it: the device's name or a description of the client. */
  device: string;
  ip: string | null;
  /** `contact_changed` after an e-mail change: the new address, already masked. */
  newEmailMasked?: string | undefined;
}

export interface Notice {
  subject: string;
  text: string;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** `Wednesday 25 November 2026, 12:00 UTC`: unambiguous whatever the reader's locale. */
export function formatNoticeTime(at: number): string {
  const d = new Date(at);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${hh}:${mm} UTC`;
}

const RESET_HOW =
  'reset your password from the Airtime app: choose "Forgot password?" on the sign-in screen. ' +
  'A reset signs out every device.';

const FOOTER =
  'You get this message because it concerns the security of your Airtime account. ' +
  'Airtime will never ask for your password or a code by e-mail, text message or phone.';

interface Wording {
  subject: string;
  what: string;
  ifNotYou: string;
}

function wording(kind: NoticeKind, account: string, details: NoticeDetails): Wording {
  switch (kind) {
    case 'new_sign_in':
      return {
        subject: 'New sign-in to your Airtime account',
        what: `Your Airtime account (${account}) was signed in to from a device it had not been used on before.`,
        ifNotYou:
          `If this was you, there is nothing to do. If it was not you, someone knows your password: ${RESET_HOW} ` +
          'Then turn on 2-step verification under Security.',
      };
    case 'locked':
      return {
        subject: 'Your Airtime account was locked',
        what:
          `Your Airtime account (${account}) was locked after too many wrong passwords. ` +
          'It unlocks by itself after a short wait. The last attempt came from the device below.',
        ifNotYou:
          'If this was not you, someone may be trying to guess your password. Your account is ' +
          'protected while it is locked. Once you are signed in, change your password under ' +
          `Security and turn on 2-step verification; if you cannot sign in, ${RESET_HOW}`,
      };
    case 'password_changed':
      return {
        subject: 'Your Airtime password was changed',
        what:
          `The password of your Airtime account (${account}) was changed. ` +
          'Every other device signed in to the account was signed out.',
        ifNotYou: `If this was not you, ${RESET_HOW} Then check the devices listed under Security.`,
      };
    case 'password_reset':
      return {
        subject: 'Your Airtime password was reset',
        what:
          `The password of your Airtime account (${account}) was reset with a code sent to your ` +
          'phone or e-mail. Every device signed in to the account was signed out.',
        ifNotYou:
          `If this was not you, someone could receive your reset code. Right away, ${RESET_HOW} ` +
          'Then check the e-mail address and contact number under Security.',
      };
    case 'two_factor_enabled':
      return {
        subject: '2-step verification is now on for your Airtime account',
        what:
          `2-step verification was turned on for your Airtime account (${account}). From now ` +
          'on, signing in needs a code as well as the password.',
        ifNotYou:
          'If this was not you, someone else signed in to your account and could lock you out. ' +
          `${RESET_HOW[0]!.toUpperCase()}${RESET_HOW.slice(1)} Then contact Airtime support.`,
      };
    case 'two_factor_disabled':
      return {
        subject: '2-step verification was turned off for your Airtime account',
        what: `2-step verification was turned off for your Airtime account (${account}). Signing in now needs only the password.`,
        ifNotYou:
          `If this was not you, ${RESET_HOW} Then turn 2-step verification back on under ` +
          'Security and sign out the devices you do not recognise.',
      };
    case 'recovery_codes_replaced':
      return {
        subject: 'New recovery codes for your Airtime account',
        what:
          `New recovery codes were made for your Airtime account (${account}). ` +
          'The earlier codes no longer work.',
        ifNotYou:
          `If this was not you, ${RESET_HOW} Then make new recovery codes under Security and ` +
          'sign out the devices you do not recognise.',
      };
    case 'contact_changed':
      return {
        subject: 'The contact details of your Airtime account were changed',
        what: details.newEmailMasked
          ? `The e-mail address of your Airtime account (${account}) was changed to ` +
            `${details.newEmailMasked}. Security notices and reset codes now go there, not to this address.`
          : `The contact details (e-mail address or contact number) of your Airtime account (${account}) were changed.`,
        ifNotYou:
          `If this was not you, ${RESET_HOW} Choose a text message to your phone for the code. ` +
          'Then put your own details back under Security.',
      };
  }
}

/** The message for one event: subject and plain text. */
export function securityNotice(kind: NoticeKind, details: NoticeDetails): Notice {
  const account = `the number ending in ${details.phone.replace(/\D/g, '').slice(-4)}`;
  const w = wording(kind, account, details);
  const text = [
    'Hello,',
    '',
    w.what,
    '',
    `When: ${formatNoticeTime(details.at)}`,
    `Device: ${details.device}`,
    `IP address: ${details.ip ?? 'unknown'}`,
    '',
    w.ifNotYou,
    '',
    '--',
    FOOTER,
    '',
  ].join('\n');
  return { subject: w.subject, text };
}
