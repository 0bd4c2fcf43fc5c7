/**
 * Identifiers the service accepts. Celonis pool and data job ids are UUIDs;
 * the check is on the textual form only (any version), and ids are
 * lower-cased so that the same id is always written the same way.
 */

const uuidPattern =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const aliasPattern = /^[a-z0-9_-]{1,64}$/;

export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}

export function isAlias(value: string): boolean {
  return aliasPattern.test(value);
}

export function normaliseUuid(value: string): string {
  return value.toLowerCase();
}
