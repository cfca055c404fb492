import { CapabilityUnavailableError } from '../errors/capability-unavailable-error.js';

/**
 * `api` as the embedding service sees it: each of its methods throws
 * {@link CapabilityUnavailableError} while `closed()` gives a reason (before `start()`, after
 * `stop()`), whatever the driver; properties listed in `passThrough` (and non-function values)
 * are handed out as they are. The wrappers are made once per method, so a call pays one check.
 */
export function guardCapability<T extends object>(
  api: T,
  capability: string,
  closed: () => string | undefined,
  passThrough: ReadonlySet<PropertyKey> = new Set(),
): T {
  const wrappers = new Map<PropertyKey, unknown>();
  return new Proxy(api, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function' || passThrough.has(prop)) return value;
      let wrapper = wrappers.get(prop);
      if (!wrapper) {
        const method = value as (...args: unknown[]) => unknown;
        wrapper = (...args: unknown[]): unknown => {
          const reason = closed();
          if (reason !== undefined) {
            throw new CapabilityUnavailableError(capability, reason, {
              hint: 'Call it between stator.start() and stator.stop().',
            });
          }
          return method.apply(target, args);
        };
        wrappers.set(prop, wrapper);
      }
      return wrapper;
    },
  });
}
