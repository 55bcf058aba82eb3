import { scrubText } from '../logging/scrub';
/** A message to one person: an e-mail (with a subject) or a text message (subject unused). */
export interface OutgoingMessage {
  to: string;
  subject: string;
  text: string;
}

/** One way of reaching a subscriber. `send` resolves once the provider accepted the message. */
export interface Sender {
  readonly channel: 'sms' | 'email';
  /** Short description for logs and the start-up banner (never includes credentials). */
  readonly description: string;
  send(message: OutgoingMessage): Promise<void>;
}

/** The senders this server has; a channel without one is not offered. */
export interface Delivery {
  sms: Sender | null;
  email: Sender | null;
}

/** A provider refused or could not be reached. The message is for logs, not for subscribers. */
export class DeliveryError extends Error {
  /**
   * The provider's own words are kept, scrubbed of numbers, addresses and codes (they often
   * quote the message they refused); the cause is not kept, since it quotes them unscrubbed.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(
      scrubText(
        options?.cause instanceof Error && !message.includes(options.cause.message)
          ? `${message} (${options.cause.message})`
          : message,
      ),
    );
    this.name = 'DeliveryError';
  }
}
