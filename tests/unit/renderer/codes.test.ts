import { describe, expect, it } from 'vitest';
import {
  groupSecret,
  isCompleteCode,
  recoveryCodesText,
  sanitizeCode,
} from '../../../renderer/src/lib/codes';
import { SecondFactorCode } from '../../../contract/http/two-factor';
import { ResetCode } from '../../../contract/http/recovery';

describe('6-digit codes', () => {
  it('keep digits only, so pasted codes with spaces or dashes work', () => {
    expect(sanitizeCode('123 456', 'digits')).toBe('123456');
    expect(sanitizeCode('123-456', 'digits')).toBe('123456');
    expect(sanitizeCode(' 12a3 ', 'digits')).toBe('123');
  });

  it('are cut to six digits', () => {
    expect(sanitizeCode('12345678', 'digits')).toBe('123456');
  });

  it('are complete only with exactly six digits, as the contract says', () => {
    for (const code of ['123456', '000000']) {
      expect(isCompleteCode(code, 'digits')).toBe(true);
      expect(ResetCode.safeParse(code).success).toBe(true);
    }
    for (const code of ['12345', '1234567', 'abcdef', '']) {
      expect(isCompleteCode(code, 'digits'), code).toBe(false);
    }
  });
});

describe('recovery codes', () => {
  it('are lower-cased hex with the dash put where it belongs', () => {
    expect(sanitizeCode('3F9A2B71C4', 'recovery')).toBe('3f9a2-b71c4');
    expect(sanitizeCode('3f9a2-b71c4', 'recovery')).toBe('3f9a2-b71c4');
    expect(sanitizeCode('3f9a2 b71c4', 'recovery')).toBe('3f9a2-b71c4');
    expect(sanitizeCode('3f9a2-b71c4ffff', 'recovery')).toBe('3f9a2-b71c4');
  });

  it('keep a dash typed after the fifth character, and drop one typed earlier', () => {
    expect(sanitizeCode('3f9a2-', 'recovery')).toBe('3f9a2-');
    expect(sanitizeCode('3f-', 'recovery')).toBe('3f');
    expect(sanitizeCode('3f9a', 'recovery')).toBe('3f9a');
  });

  it('drop characters a recovery code never has', () => {
    expect(sanitizeCode('zz3f9a2xb71c4', 'recovery')).toBe('3f9a2-b71c4');
  });

  it('are complete in the form the contract accepts', () => {
    expect(isCompleteCode('3f9a2-b71c4', 'recovery')).toBe(true);
    expect(SecondFactorCode.safeParse('3f9a2-b71c4').success).toBe(true);
    expect(isCompleteCode('3f9a2-b71c', 'recovery')).toBe(false);
    expect(isCompleteCode('123456', 'recovery')).toBe(false);
  });
});

describe('authenticator setup keys', () => {
  it('are grouped in fours, upper-case', () => {
    expect(groupSecret('jbswy3dpehpk3pxp')).toBe('JBSW Y3DP EHPK 3PXP');
    expect(groupSecret('JBSWY3DPEHPK3PXPAB')).toBe('JBSW Y3DP EHPK 3PXP AB');
    expect(groupSecret('JBSW Y3DP')).toBe('JBSW Y3DP');
    expect(groupSecret('')).toBe('');
  });
});

describe('the recovery codes file', () => {
  it('has a title, a note and one code per line', () => {
    expect(recoveryCodesText(['aaaaa-11111', 'bbbbb-22222'], 'Title', 'Note.')).toBe(
      'Title\nNote.\n\naaaaa-11111\nbbbbb-22222\n',
    );
  });
});
