/**
 * What a call throws, for tests that assert the error itself (its class,
 * status, cause), not only its message.
 */

/**
 * What `fn` throws; fails the test when it returns.
 *
 * @example
 * const error = thrown(() => parseWebhook(body));
 * expect(error).toBeInstanceOf(BadRequestError);
 */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
