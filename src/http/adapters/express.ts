import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ObservedStator } from '../observed-stator.js';
import { createStatorHandler, type StatorHandler, type StatorHandlerOptions } from '../handler.js';

/** An Express (or Connect) middleware; typed structurally so that Stator does not depend on Express. */
export type StatorMiddleware = ((
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void) & {
  /** The prefix it serves under. */
  readonly prefix: string;
  /** Ends open event streams (call before closing the server). */
  close(): void;
};

/**
 * Stator's endpoints as Express middleware, under `/_stator` by default: requests under the
 * prefix are answered, every other request goes on to the application's own routes untouched.
 * Mount it with `app.use(...)` without a path (it reads the full URL), before or after the app's
 * routes.
 *
 * @example
 * ```ts
 * const app = express();
 * app.get('/health', (req, res) => res.json({ mine: true }));   // the app's own, left alone
 * app.use(statorExpress(stator, { dashboard: true }));           // /_stator/health, /_stator/dashboard/
 * ```
 */
export function statorExpress(stator: ObservedStator, options: StatorHandlerOptions = {}): StatorMiddleware {
  const handler: StatorHandler = createStatorHandler(stator, options);
  const middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void => {
    // Under `app.use('/x', ...)` Express strips the mount path from req.url; the original URL keeps it.
    const original = (req as IncomingMessage & { originalUrl?: string }).originalUrl;
    if (original !== undefined && original !== req.url) {
      const url = req.url;
      req.url = original;
      handler(req, res, () => {
        req.url = url;
        next();
      });
      return;
    }
    handler(req, res, next);
  };
  return Object.assign(middleware, { prefix: handler.prefix, close: () => handler.close() });
}
