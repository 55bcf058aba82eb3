import { DeliveryError, type OutgoingMessage, type Sender } from './types';

/** What is POSTed when no template is configured. */
export const DEFAULT_SMS_BODY_TEMPLATE = '{"to":"{{to}}","text":"{{text}}"}';

/**
 * Fills `{{to}}` and `{{text}}` in a JSON template. The template is parsed first and only string
 * values are filled, so a message containing quotes or newlines cannot break the JSON.
 */
export function renderSmsBody(template: string, values: { to: string; text: string }): string {
  const parsed: unknown = JSON.parse(template);
  const fill = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.replaceAll('{{to}}', values.to).replaceAll('{{text}}', values.text);
    }
    if (Array.isArray(value)) return value.map(fill);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v)]));
    }
    return value;
  };
  return JSON.stringify(fill(parsed));
}

/** Throws when a template is not JSON or never mentions `{{to}}` and `{{text}}`. */
export function checkSmsBodyTemplate(template: string): void {
  JSON.parse(template);
  if (!template.includes('{{to}}') || !template.includes('{{text}}')) {
    throw new Error('AIRTIME_SMS_BODY_TEMPLATE must contain {{to}} and {{text}}.');
  }
}

export interface HttpSmsOptions {
  url: string;
  /** Sent as `Authorization: Bearer …` when set. */
  token?: string | undefined;
  bodyTemplate?: string | undefined;
  timeoutMs?: number;
}

/**
 * Text messages through an HTTP gateway (most SMS providers take a JSON POST): the body is the
 * template with the number and text filled in; any 2xx answer means accepted.
 */
export class HttpSmsSender implements Sender {
  readonly channel = 'sms' as const;
  readonly description: string;
  readonly #template: string;

  constructor(private readonly options: HttpSmsOptions) {
    this.#template = options.bodyTemplate ?? DEFAULT_SMS_BODY_TEMPLATE;
    checkSmsBodyTemplate(this.#template);
    const url = new URL(options.url);
    this.description = `SMS gateway ${url.origin}${url.pathname}`;
  }

  async send(message: OutgoingMessage): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.token) headers['authorization'] = `Bearer ${this.options.token}`;
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: 'POST',
        headers,
        body: renderSmsBody(this.#template, { to: message.to, text: message.text }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new DeliveryError(`SMS gateway unreachable: ${(error as Error).message}`, {
        cause: error,
      });
    }
    // Drain the body so the connection can be reused.
    const detail = (await response.text().catch(() => '')).slice(0, 200);
    if (!response.ok) {
      throw new DeliveryError(`SMS gateway answered ${response.status}: ${detail}`);
    }
  }
}
