import { describe, expect, it } from 'vitest';
import { renderSmsBody, DEFAULT_SMS_BODY_TEMPLATE } from '../../../server/src/delivery';
import { checkSmsBodyTemplate } from '../../../server/src/delivery/sms-http';
import { maskEmail, maskPhone } from '../../../server/src/auth/recovery-service';

describe('SMS body template', () => {
  it('fills {{to}} and {{text}} in the default template', () => {
    expect(
      JSON.parse(renderSmsBody(DEFAULT_SMS_BODY_TEMPLATE, { to: '+12065550100', text: 'hi' })),
    ).toEqual({ to: '+12065550100', text: 'hi' });
  });

  it('keeps the JSON valid whatever the text contains', () => {
    const text = 'quote " backslash \\ newline \n {{to}}';
    const body = renderSmsBody('{"m":{"body":"Code: {{text}}","to":["{{to}}"]},"n":1}', {
      to: '+1',
      text,
    });
    expect(JSON.parse(body)).toEqual({ m: { body: `Code: ${text}`, to: ['+1'] }, n: 1 });
  });

  it('refuses a template that is not JSON or lacks a placeholder', () => {
    expect(() => checkSmsBodyTemplate('{"to": {{to}}, "text": "{{text}}"}')).toThrow();
    expect(() => checkSmsBodyTemplate('{"to":"{{to}}"}')).toThrow(/\{\{text\}\}/);
    expect(() => checkSmsBodyTemplate(DEFAULT_SMS_BODY_TEMPLATE)).not.toThrow();
  });
});

describe('masked destinations', () => {
  it('shows the first letter and the domain of an e-mail address', () => {
    expect(maskEmail('maria.garcia@example.com')).toBe('m•••@example.com');
    expect(maskEmail('nonsense')).toBe('•••');
  });
  it('shows the last four digits of a phone number', () => {
    expect(maskPhone('+12065550100')).toBe('•••-0100');
  });
});
