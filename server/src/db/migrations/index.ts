import type { Migration } from 'kysely';
import { initial } from './001-initial';
import { planCatalogue } from './002-plan-catalogue';

/** Every migration, by name; names sort in the order they must run. Never edit a shipped one. */
export const migrations: Record<string, Migration> = {
  '001-initial': initial,
  '002-plan-catalogue': planCatalogue,
};
