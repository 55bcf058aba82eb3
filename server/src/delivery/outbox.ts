import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../clock';
import type { OutgoingMessage, Sender } from './types';

export interface OutboxEntry {
  at: number;
  channel: 'sms' | 'email';
  to: string;
  subject: string;
  text: string;
}

/**
 * Development only: messages are appended to a JSON-lines file instead of being sent, and
 * `GET /dev/outbox` shows the latest ones, so a reset can be tried without an SMTP server or
 * SMS gateway. Never used by a server that was not started with `--dev`.
 */
export class Outbox {
  constructor(
    readonly file: string,
    private readonly clock: Clock,
  ) {}

  sender(channel: 'sms' | 'email'): Sender {
    return {
      channel,
      description: `dev outbox ${this.file}`,
      send: (message: OutgoingMessage) => this.append(channel, message),
    };
  }

  async append(channel: 'sms' | 'email', message: OutgoingMessage): Promise<void> {
    const entry: OutboxEntry = { at: this.clock.now(), channel, ...message };
    await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
    await fs.promises.appendFile(this.file, `${JSON.stringify(entry)}\n`, 'utf8');
  }

  /** The newest `limit` entries, newest first. A missing file is an empty outbox. */
  async latest(limit = 50): Promise<OutboxEntry[]> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: OutboxEntry[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        entries.push(JSON.parse(line) as OutboxEntry);
      } catch {
        // A half-written last line (crash mid-append) is skipped.
      }
    }
    return entries.slice(-limit).reverse();
  }
}
