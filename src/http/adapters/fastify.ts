import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ObservedStator } from '../observed-stator.js';
import { createStatorHandler, type StatorHandlerOptions } from '../handler.js';

/** The part of a Fastify instance the plugin uses (structural: Stator does not depend on Fastify). */
export interface FastifyLike {
  route(options: {
    method: string[];
    url: string;
    handler: (request: { raw: IncomingMessage }, reply: { raw: ServerResponse; hijack(): void }) => void;
  }): unknown;
  addHook(name: 'onClose', hook: (instance: unknown, done: () => void) => void): unknown;
}

/** A Fastify plugin (register it with `app.register(plugin)`). */
export type StatorFastifyPlugin = ((fastify: FastifyLike, options: unknown, done: (error?: Error) => void) => void) & {
  /** The prefix its routes live under. */
  readonly prefix: string;
};

/**
 * Stator's endpoints as a Fastify plugin: routes `<prefix>` and `<prefix>/*` (default
 * `/_stator`) for GET, HEAD and POST (the dashboard's breaker actions), answered by Stator's
 * handler on the raw request; the application's own routes, including its own `/health`, stay
 * its own. Open event streams end when Fastify closes.
 *
 * @example
 * ```ts
 * const app = Fastify();
 * app.get('/health', async () => ({ mine: true }));
 * await app.register(statorFastify(stator, { dashboard: true }));  // /_stator/health, /_stator/dashboard/
 * ```
 */
export function statorFastify(stator: ObservedStator, options: StatorHandlerOptions = {}): StatorFastifyPlugin {
  const handler = createStatorHandler(stator, options);
  const prefix = handler.prefix;
  const plugin = (fastify: FastifyLike, _options: unknown, done: (error?: Error) => void): void => {
    const route = (url: string): void => {
      fastify.route({
        method: ['GET', 'HEAD', 'POST'],
        url,
        handler: (request, reply) => {
          reply.hijack(); // Stator writes the raw response (event streams included)
          handler(request.raw, reply.raw);
        },
      });
    };
    route(prefix === '' ? '/' : prefix);
    route(`${prefix}/*`);
    fastify.addHook('onClose', (_instance, closed) => {
      handler.close();
      closed();
    });
    done();
  };
  // Fastify's encapsulation would hide nothing here; skip-override keeps the routes at the given paths.
  Object.defineProperty(plugin, Symbol.for('skip-override'), { value: true });
  return Object.assign(plugin, { prefix });
}
