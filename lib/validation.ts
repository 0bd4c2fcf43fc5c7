/**
 * Shared zod pieces for input validation, and the one way a zod failure
 * becomes a 400 whose detail names the field and what is accepted.
 */
import * as z from 'zod';
import { BadRequestError } from './errors.ts';
import { isUuid } from './ids.ts';

export const uuid = z
  .string()
  .refine(isUuid, { message: 'expected a UUID' })
  .transform((value) => value.toLowerCase());

export const uuidList = z.array(uuid).min(1, {
  message: 'expected at least one id; omit the field to target every job',
});

export const reason = z
  .string()
  .max(200, { message: 'expected at most 200 characters' });

/** Parses `input` or throws a 400 naming the first wrong field. */
export function parseInput<T>(
  schema: z.ZodType<T>,
  input: unknown,
  where: string,
): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) {
    return parsed.data;
  }

  throw new BadRequestError(describeIssue(parsed.error, where));
}

export function describeIssue(error: z.ZodError, where: string): string {
  const issue = error.issues[0];
  const path = [where, ...(issue?.path ?? [])]
    .filter((part) => part !== '')
    .map(String)
    .join('.');
  const message =
    issue?.code === 'unrecognized_keys'
      ? `unknown field ${issue.keys.join(', ')}`
      : (issue?.message ?? 'invalid');

  return path === '' ? `${message}.` : `${path}: ${message}.`;
}
