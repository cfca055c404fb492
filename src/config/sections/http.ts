import { z } from 'zod';
import { port, seconds } from './common.js';

/**
 * `http:` — the observability endpoints (`/health`, `/live`, `/ready`, `/metrics`, `/status`)
 * served by `stator start`. A Stator embedded with `createStator()` never opens a port by itself:
 * the embedder mounts `createStatorHandler(stator)` on its own server or calls
 * `startStatorServer(stator)`.
 */
export const httpSection = z.strictObject({
  /** Set to false and `stator start` serves no endpoint. */
  enabled: z.boolean().default(true),
  /** Interface to listen on. `0.0.0.0` to be reachable from other hosts (a Kubernetes probe). */
  host: z.string().min(1).default('127.0.0.1'),
  /** 9464 is the port Prometheus exporters of OpenTelemetry use by convention. */
  port: port().default(9464),
  /** Mount the endpoints under this path (`/stator` → `/stator/health`). */
  path_prefix: z.string().regex(/^(\/[\w.-]+)*$/, { error: 'expected "" or a path such as "/stator"' }).default(''),
  /** `stator start` fails when the endpoints cannot be served (the port is busy); false: it starts without them. */
  required: z.boolean().default(true),
  /** Seconds between keep-alive comments on a `/status` event stream. */
  sse_heartbeat: seconds().default(15),
});
