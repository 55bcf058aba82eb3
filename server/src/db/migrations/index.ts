import type { Migration } from 'kysely';
import { initial } from './001-initial';
import { planCatalogue } from './002-plan-catalogue';
import { recovery } from './003-recovery';
import { captcha } from './004-captcha';
import { twoFactor } from './005-two-factor';
import { securityCenter } from './006-security-center';
import { payments } from './007-payments';
import { planChanges } from './008-plan-changes';
import { autopay } from './009-autopay';
import { statementClose } from './010-statement-close';
import { kiosks } from './011-kiosks';
import { autopayRunReason } from './012-autopay-run-reason';
import { internationalUsage } from './013-international-usage';
import { budgetLocks } from './014-budget-locks';
import { rateLimits } from './015-rate-limits';
import { kioskVisits } from './016-kiosk-visits';
import { keyIds } from './017-key-ids';
import { deviceCookies } from './018-device-cookies';
import { lineItems } from './019-line-items';

/** Every migration, by name; names sort in the order they must run. Never edit a shipped one. */
export const migrations: Record<string, Migration> = {
  '001-initial': initial,
  '002-plan-catalogue': planCatalogue,
  '003-recovery': recovery,
  '004-captcha': captcha,
  '005-two-factor': twoFactor,
  '006-security-center': securityCenter,
  '007-payments': payments,
  '008-plan-changes': planChanges,
  '009-autopay': autopay,
  '010-statement-close': statementClose,
  '011-kiosks': kiosks,
  '012-autopay-run-reason': autopayRunReason,
  '013-international-usage': internationalUsage,
  '014-budget-locks': budgetLocks,
  '015-rate-limits': rateLimits,
  '016-kiosk-visits': kioskVisits,
  '017-key-ids': keyIds,
  '018-device-cookies': deviceCookies,
  '019-line-items': lineItems,
};
