import type { Clock } from '../clock';
import { Outbox } from './outbox';
import { HttpSmsSender } from './sms-http';
import { SmtpSender } from './smtp';
import type { Delivery } from './types';

export * from './types';
export { Outbox, type OutboxEntry } from './outbox';
export { HttpSmsSender, renderSmsBody, DEFAULT_SMS_BODY_TEMPLATE } from './sms-http';
export { SmtpSender } from './smtp';

export interface DeliveryConfig {
  smtpUrl?: string | undefined;
  mailFrom?: string | undefined;
  smsUrl?: string | undefined;
  smsToken?: string | undefined;
  smsBodyTemplate?: string | undefined;
  /** Dev mode: channels without a provider write to this outbox file instead. */
  outboxFile?: string | undefined;
}

export const DEFAULT_MAIL_FROM = 'Airtime <no-reply@airtime.invalid>';

/**
 * The senders for this configuration: real providers where configured; in dev mode the outbox
 * stands in for any channel without one; otherwise that channel is simply not available.
 */
export function createDelivery(
  config: DeliveryConfig,
  clock: Clock,
): { delivery: Delivery; outbox: Outbox | null } {
  const outbox = config.outboxFile ? new Outbox(config.outboxFile, clock) : null;
  const email = config.smtpUrl
    ? new SmtpSender(config.smtpUrl, config.mailFrom ?? DEFAULT_MAIL_FROM)
    : (outbox?.sender('email') ?? null);
  const sms = config.smsUrl
    ? new HttpSmsSender({
        url: config.smsUrl,
        token: config.smsToken,
        bodyTemplate: config.smsBodyTemplate,
      })
    : (outbox?.sender('sms') ?? null);
  return { delivery: { email, sms }, outbox };
}
