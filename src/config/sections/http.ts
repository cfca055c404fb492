import { z } from 'zod';
import { count, port, seconds } from './common.js';

/**
 * `http:` — the observability endpoints (`/health`, `/live`, `/ready`, `/metrics`, `/status`,
 * `/dashboard`) served by `stator start`. A Stator embedded with `createStator()` never opens a
 * port by itself: the embedder mounts `createStatorHandler(stator)` (or the Express / Fastify
 * adapter) on its own server, under `/_stator` by default, or calls `startStatorServer(stator)`.
 */
export const httpSection = z.strictObject({
  /** Set to false and `stator start` serves no endpoint. */
  enabled: z.boolean().default(true),
  /** Interface to listen on. `0.0.0.0` to be reachable from other hosts (a Kubernetes probe). */
  host: z.string().min(1).default('127.0.0.1'),
  /** 9464 is left to the OpenTelemetry Prometheus exporter, which uses it by convention. */
  port: port().default(9477),
  /** Mount the endpoints under this path (`/stator` → `/stator/health`). */
  path_prefix: z
    .string()
    .regex(/^(\/[\w.-]+)*$/, { error: 'expected "" or a path such as "/stator"' })
    .default(''),
  /** `stator start` fails when the endpoints cannot be served (the port is busy); false: it starts without them. */
  required: z.boolean().default(true),
  /** Seconds between keep-alive comments on a `/status` event stream. */
  sse_heartbeat: seconds().default(15),
  /**
   * Who sees the resources in `/health`, `/status` and the dashboard (as Spring Boot Actuator's
   * `show-details`): `never`, `when_authorized` (a token or API key whose principal holds
   * `status:read:*`) or `always`. Everyone else sees the overall status only.
   */
  show_details: z.enum(['never', 'when_authorized', 'always']).default('when_authorized'),
  /** Require a token or API key holding `metrics:read:*` on `/metrics`. `/live` and `/ready` are always open. */
  metrics_auth: z.boolean().default(false),
  /** Serve the live dashboard at `/dashboard` (it follows `show_details`). */
  dashboard: z.boolean().default(false),
  /** prom-client's default process metrics (CPU, memory, event-loop lag, GC) on `/metrics`. */
  process_metrics: z.boolean().default(true),
  /** At most this many open connections; more are refused (closed at once). */
  max_connections: count(1).default(256),
  /** At most this many open event streams (`/status`, the dashboard); more get 503. */
  max_streams: count(1).default(64),
  /** Seconds a client has to send the request headers (slowloris). */
  headers_timeout: seconds().positive().default(10),
  /** Seconds a client has to send the whole request. */
  request_timeout: seconds().positive().default(30),
});

/** The `http:` section, defaults applied. */
export type HttpConfig = z.output<typeof httpSection>;
