import nodemailer, { type Transporter } from 'nodemailer';
import { DeliveryError, type OutgoingMessage, type Sender } from './types';

/** Hides the password in an SMTP URL so it can be printed. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * E-mail through any SMTP server, configured by one URL: `smtp://user:pass@host:587` (STARTTLS
 * when offered), `smtps://…:465` (TLS from the start). nodemailer keeps no pool, so each message
 * opens its own connection: resets are rare and this survives a server restart.
 */
export class SmtpSender implements Sender {
  readonly channel = 'email' as const;
  readonly description: string;
  readonly #transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
    timeoutMs = 10_000,
  ) {
    this.description = `SMTP ${redactUrl(url)}`;
    this.#transport = nodemailer.createTransport(url, {
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    } as never);
  }

  async send(message: OutgoingMessage): Promise<void> {
    try {
      const info = await this.#transport.sendMail({
        from: this.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
      });
      if ((info.rejected ?? []).length > 0) throw new Error(`recipient refused: ${message.to}`);
    } catch (error) {
      throw new DeliveryError(`SMTP delivery failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
