/**
 * The meaning of every configuration key, by section: the one hand-written part of the generated
 * reference in `docs/configuration.md` (keys, types and defaults come from the zod schema).
 * `npm run docs:config` regenerates the page; `test/docs/configuration-reference.test.ts` fails when a
 * key of the schema has no meaning here, when a meaning names no key, or when the page is stale.
 *
 * `default` is given only where the schema's default cannot say it (a default that depends on another
 * key, or none). Keys of records are written with a placeholder: `rate_limit.<name>.min_time`.
 */
import type { SectionMeanings } from './types.js';

/** The keys of a Redis of Stator's own (`error_handling.redis`, `fleet.redis`) past host and port. */
const redisEndpointMeanings = {
  'redis.username': { meaning: 'its user' },
  'redis.password': { meaning: 'its password (a secret)' },
  'redis.password_file': { meaning: 'read its password from this file' },
  'redis.db': { meaning: 'its logical database' },
  'redis.tls.ca_file': { meaning: 'TLS to it, as `cache.tls.ca_file`' },
  'redis.tls.cert_file': { meaning: 'TLS: client certificate, as `cache.tls.cert_file`' },
  'redis.tls.key_file': { meaning: 'TLS: its key, as `cache.tls.key_file`' },
  'redis.tls.passphrase': { meaning: 'TLS: passphrase of the key (a secret)' },
  'redis.tls.servername': { meaning: 'TLS: the name the certificate is checked against' },
  'redis.tls.reject_unauthorized': { meaning: 'TLS: check the certificate and host name' },
};

export const meanings: Readonly<Record<string, SectionMeanings>> = {
  cache: {
    intro: 'Which cache, where, and how patient to be with it.',
    keys: {
      driver: {
        default: '`memory` (or the scheme of `url`)',
        meaning: '`memory` (lru-cache in process), `redis` (ioredis) or `memcached` (memjs)',
      },
      url: {
        meaning:
          '`redis://`, `rediss://` (TLS), `redis+sentinel://`, `memcached://` URL, usually `${REDIS_URL}`; keys written beside it win; a secret (see [Connections](connections.md))',
      },
      host: { default: '`127.0.0.1`', meaning: 'server host' },
      port: { default: '6379 / 11211', meaning: 'server port (redis / memcached)' },
      username: { meaning: 'Redis ACL user / Memcached SASL user' },
      password: { meaning: 'secret; prefer `${ENV}` or `password_file`' },
      password_file: { meaning: 'read `password` from this file' },
      db: { default: '`0`', meaning: 'Redis logical database' },
      'tls.ca_file': {
        meaning:
          'TLS to Redis (every node, Sentinel and its sentinels, Cluster): PEM file of the CA that signed the server certificate (default: the CAs Node trusts)',
      },
      'tls.cert_file': { meaning: 'TLS: PEM client certificate (for `tls-auth-clients yes`)' },
      'tls.key_file': { meaning: 'TLS: PEM private key of the client certificate' },
      'tls.passphrase': { meaning: 'TLS: passphrase of an encrypted key (a secret)' },
      'tls.servername': { meaning: 'TLS: the name the certificate is checked against, when it is not `host`' },
      'tls.reject_unauthorized': {
        meaning: 'TLS: check the certificate and host name (`false`: any certificate, encryption only)',
      },
      timeout: { meaning: 'seconds before an operation or a connection attempt gives up' },
      retry_attempts: { meaning: 'connection attempts after the first' },
      retry_delay: { meaning: 'seconds between connection attempts' },
      key_prefix: { meaning: 'prepended to every key' },
      default_ttl: { meaning: 'seconds an entry lives (0 = no expiry)' },
      ttl_jitter: { meaning: 'spread of expiry as a fraction of each TTL (0 = off)' },
      negative_ttl: { meaning: 'seconds a `getOrSet` remembers that its loader found nothing (0 = off)' },
      max_value_bytes: {
        default: 'per driver',
        meaning: 'largest serialized value (memcached ≈ 1 MiB, redis 512 MiB, memory unlimited)',
      },
      max_items: { meaning: 'memory driver: the most entries kept' },
      servers: { meaning: 'memcached: several `host:port` servers (instead of host/port)' },
      'cluster.nodes[].host': { meaning: 'Redis Cluster: host of a seed node' },
      'cluster.nodes[].port': { meaning: 'Redis Cluster: port of a seed node' },
      'sentinel.name': { meaning: 'Redis Sentinel: the name of the master' },
      'sentinel.nodes[].host': { meaning: 'Redis Sentinel: host of a sentinel' },
      'sentinel.nodes[].port': { meaning: 'Redis Sentinel: port of a sentinel' },
      'sentinel.password': { meaning: "Redis Sentinel: the sentinels' password" },
      optional: { meaning: 'the resource may fail; the runtime then runs `degraded` instead of failing to start' },
      depends_on: {
        meaning:
          'names of resources that must be ready first (default: `database` depends on `cache` and `filesystem`)',
      },
    },
  },
  database: {
    intro: 'Which SQL database, where, and how patient to be with it.',
    keys: {
      driver: {
        default: '`sqlite` (or the scheme of `url`)',
        meaning: '`sqlite` (better-sqlite3), `postgresql` (pg) or `mysql` (mysql2; MariaDB too)',
      },
      url: {
        meaning:
          '`postgres://`, `postgresql://`, `mysql://`, `mariadb://`, `sqlite:` / `file:` URL, usually `${DATABASE_URL}`; keys written beside it win; a secret (see [Connections](connections.md))',
      },
      host: { default: '`127.0.0.1`', meaning: 'server host' },
      port: { default: '5432 / 3306', meaning: 'server port (postgresql / mysql)' },
      database: { default: '`stator`', meaning: 'database name' },
      username: { meaning: 'user' },
      password: { meaning: 'secret; prefer `${ENV}` or `password_file`' },
      password_file: { meaning: 'read `password` from this file' },
      filename: {
        default: '`stator.sqlite`',
        meaning: 'SQLite file, relative to `filesystem.base_path` unless absolute',
      },
      'ssl.mode': {
        default: '`disable`; `verify-full` when `ssl` is written',
        meaning:
          "TLS to PostgreSQL / MySQL: `disable`, `require` (not checked), `verify-ca`, `verify-full` (also the URL's `sslmode`; see [Connections](connections.md))",
      },
      'ssl.ca_file': {
        meaning: 'TLS: PEM file of the CA that signed the server certificate (default: the CAs Node trusts)',
      },
      'ssl.cert_file': {
        meaning: 'TLS: PEM client certificate (PostgreSQL `cert` authentication, MySQL `REQUIRE SUBJECT`)',
      },
      'ssl.key_file': { meaning: 'TLS: PEM private key of the client certificate' },
      'ssl.passphrase': { meaning: 'TLS: passphrase of an encrypted key (a secret)' },
      'ssl.servername': {
        meaning: 'TLS: the name the certificate is checked against, when it is not `host` (PostgreSQL only)',
      },
      'ssl.reject_unauthorized': {
        meaning: "Node's name for the check: `false` is `mode: require`, `true` is `verify-full`",
      },
      timeout: { meaning: 'seconds before connecting or a query gives up' },
      retry_attempts: { meaning: 'connection attempts after the first' },
      retry_delay: { meaning: 'seconds between connection attempts' },
      slow_query_interval: { meaning: 'seconds during which one slow query shape is reported at most once' },
      explain_slow_queries: { meaning: 'run EXPLAIN on slow queries to report tables scanned without an index' },
      optional: { meaning: 'the resource may fail; the runtime then runs `degraded` instead of failing to start' },
      depends_on: {
        meaning:
          'names of resources that must be ready first (default: `database` depends on `cache` and `filesystem`)',
      },
    },
  },
  filesystem: {
    intro: 'The area Stator owns on disk (see [Filesystem](filesystem.md)).',
    keys: {
      base_path: { meaning: 'root of every path `stator.fs` touches; resolved from the working directory' },
      permissions: { default: '`0755`', meaning: 'mode of the directories Stator creates (octal)' },
      required_dirs: { meaning: 'directories created under `base_path` at start' },
      timeout: {
        default: '`supervisor.resource_defaults.timeout` (10)',
        meaning:
          'seconds one `stator.fs` operation (and the start and health check) may take before it rejects with `OPERATION_TIMEOUT` (a hung mount); counts against the `filesystem` breaker; 0 = none',
      },
      optional: { meaning: 'the resource may fail; the runtime then runs `degraded` instead of failing to start' },
      depends_on: {
        meaning:
          'names of resources that must be ready first (default: `database` depends on `cache` and `filesystem`)',
      },
    },
  },
  connection_pool: {
    intro: "Stator's pool of database connections.",
    keys: {
      max_connections: { meaning: 'connections open at most (SQLite: 1)' },
      min_connections: { meaning: 'connections kept open even when idle (≤ `max_connections`)' },
      idle_timeout: { meaning: 'seconds an idle connection lives before it is retired' },
      max_lifetime: { meaning: 'seconds a connection lives at most' },
      lifetime_jitter: { meaning: 'spread of `max_lifetime` (±10%)' },
      validation_interval: {
        meaning: 'seconds between validations of an idle connection; idleness after which a borrow validates first',
      },
      acquire_timeout: { meaning: 'seconds an acquire waits before `POOL_TIMEOUT`' },
      leak_threshold: { meaning: 'seconds a lease may be held before it is reported as a possible leak (0 = off)' },
      capture_stacks: {
        meaning:
          'when the acquiring stack is recorded for leak reports and `POOL_TIMEOUT` messages: `sampled` (at most 10 acquires a second, and every acquire for five minutes after a leak or a timeout), `always` (8–15 µs per acquire under load), `never`; `stator.db.transaction` samples the callers it names (`begunAt`) the same way',
      },
    },
  },
  transaction: {
    intro: 'Defaults of `stator.db.transaction()`.',
    keys: {
      isolation_level: { meaning: '`READ_UNCOMMITTED`, `READ_COMMITTED`, `REPEATABLE_READ` or `SERIALIZABLE`' },
      timeout: { meaning: 'seconds before a transaction is rolled back (the call answers within 0.5 s of it)' },
      commit_timeout: {
        meaning:
          'seconds COMMIT may take, then TRANSACTION_COMMIT_UNKNOWN and the connection closed (default `database.timeout`)',
      },
      retry_attempts: { meaning: 'retries of the whole transaction after a deadlock or serialization failure' },
      deadlock_retry: { meaning: 'retry on deadlock / serialization failure at all' },
      retry_delay: { meaning: 'seconds of the first back-off (doubled each time, full jitter)' },
      retry_max_delay: { meaning: 'seconds: no back-off is longer' },
      defer_begin: {
        meaning:
          "PostgreSQL: BEGIN leaves with the transaction's first statement, in one round trip (if BEGIN fails, the statement does not run); `false` sends it alone before the function runs",
      },
      history_size: { meaning: 'finished transactions kept for `stator.db.history()` (0 keeps none)' },
    },
  },
  monitoring: {
    intro: 'Metrics cadence, alert thresholds, alert rules and webhooks.',
    keys: {
      metrics_interval: { meaning: 'seconds between metric snapshots on `metrics$` (alerts are evaluated on each)' },
      alert_threshold: { meaning: 'pool utilization above which the pool alert fires' },
      error_threshold: { meaning: 'error rate above which the error alert fires' },
      performance_threshold: {
        meaning: 'p95 latency in seconds above which the performance alert fires; also the slow-query threshold',
      },
      alert_hold: { meaning: 'seconds a threshold must stay crossed before its alert fires' },
      alert_clear_hold: {
        default: '`alert_hold`',
        meaning: "seconds a firing alert's signal must stay clear before it resolves",
      },
      alert_hysteresis: { meaning: 'fraction below the threshold the signal must fall to resolve' },
      health_interval: { meaning: 'seconds between health checks of each resource' },
      slow_check: {
        default: '`performance_threshold`',
        meaning: 'seconds after which a health check is logged as slow',
      },
      'rules[].name': { meaning: 'an alert over any metric: its name' },
      'rules[].metric': { meaning: 'the metric (or sample) name it watches, as registered' },
      'rules[].labels': { meaning: 'only samples with these label values (`{ label: value }`)' },
      'rules[].aggregate': { meaning: '`max`, `min`, `sum` or `avg` of the matching samples' },
      'rules[].rate': { meaning: 'use the increase per second (counters)' },
      'rules[].threshold': { meaning: 'the value that is crossed' },
      'rules[].clear_threshold': { default: '`threshold`', meaning: 'the value to come back to before resolving' },
      'rules[].direction': { meaning: '`above` or `below`' },
      'rules[].hold': { default: '`alert_hold`', meaning: 'seconds the threshold must stay crossed before firing' },
      'rules[].clear_hold': {
        default: '`alert_clear_hold`',
        meaning: 'seconds the signal must stay clear before resolving',
      },
      'rules[].severity': { meaning: '`warning` or `critical`' },
      'rules[].description': { meaning: 'free text' },
      'webhooks[].url': { meaning: 'http(s) URL alert transitions are POSTed to (a secret: never logged)' },
      'webhooks[].headers': { meaning: 'extra request headers' },
      'webhooks[].timeout': { meaning: 'seconds per delivery attempt' },
      'webhooks[].retry_attempts': { meaning: 'attempts after the first failed one' },
      'webhooks[].retry_delay': { meaning: 'seconds before the first retry, doubled each time' },
      'webhooks[].on': { meaning: 'transitions sent: `pending`, `firing`, `resolved`, `ok`' },
    },
  },
  error_handling: {
    intro: 'The recovery pipeline every operation goes through.',
    keys: {
      'retry.max_attempts': { meaning: 'attempts in all, the first included (1 = never retry)' },
      'retry.delay': { meaning: 'seconds before the first retry' },
      'retry.backoff': { meaning: '`constant`, `linear` or `exponential`' },
      'retry.jitter': { meaning: '`none`, `full` or `decorrelated`' },
      'retry.max_delay': { meaning: 'seconds: no single delay is longer (≥ `delay`)' },
      'retry.max_total': { meaning: 'seconds after the first attempt when no retry starts any more (0 = no cap)' },
      'retry.attempt_timeout': { meaning: 'seconds one attempt may take (0 = no limit)' },
      'circuit_breaker.threshold': { meaning: 'failure ratio over the window that trips the breaker' },
      'circuit_breaker.window': { meaning: 'seconds of the sliding window' },
      'circuit_breaker.reset_timeout': { meaning: 'seconds open before a half-open trial' },
      'circuit_breaker.minimum_calls': { meaning: 'calls in the window before the ratio counts' },
      'circuit_breaker.consecutive_failures': {
        meaning: 'failures in a row that trip the breaker whatever the window holds (0 = off)',
      },
      'circuit_breaker.buckets': { meaning: 'buckets of the window (its resolution)' },
      'circuit_breaker.half_open_calls': { meaning: 'trial calls let through half-open (without a probe)' },
      'circuit_breaker.reset_backoff': { meaning: 'multiplier of the reset timeout per consecutive trip (1 = fixed)' },
      'circuit_breaker.max_reset_timeout': { meaning: 'seconds: the growing reset timeout never exceeds this' },
      'circuit_breaker.slow_call_threshold': { meaning: 'seconds after which a call counts as slow (0 = off)' },
      'circuit_breaker.slow_call_ratio': { meaning: 'ratio of slow calls that trips the breaker' },
      'circuit_breaker.probe': {
        meaning: 'half-open: probe the resource (PING, SELECT 1, stat) instead of user calls',
      },
      'circuit_breaker.trial_timeout': { meaning: 'seconds a half-open trial or probe may take' },
      'circuit_breaker.shared': { meaning: 'share breaker state between processes through Redis, when configured' },
      'fallback.enabled': { meaning: 'serve fallbacks when an operation fails' },
      'fallback.strategies': { meaning: 'tried in order' },
      'fallback.local_max_items': { meaning: 'last good values kept in process per resource' },
      'rate_limit.<name>.max_concurrent': { meaning: 'calls of resource `<name>` in flight at once' },
      'rate_limit.<name>.min_time': { meaning: 'seconds between the starts of two calls' },
      'rate_limit.<name>.reservoir': { meaning: 'calls allowed before the reservoir is empty' },
      'rate_limit.<name>.reservoir_refresh_interval': { meaning: 'seconds between refills' },
      'rate_limit.<name>.reservoir_refresh_amount': { meaning: 'what the reservoir is refilled to' },
      'rate_limit.<name>.shared': { meaning: 'share the limits through Redis, when configured' },
      'redis.host': {
        meaning:
          "host of the Redis that shares breakers and limits (default: the cache's Redis when `cache.driver` is `redis`)",
      },
      'redis.port': { meaning: 'port of that Redis' },
      ...redisEndpointMeanings,
      'redis.key_prefix': { meaning: 'prefix of every shared key and channel' },
    },
  },
  supervisor: {
    intro: 'How resources are started, restarted (OTP-style) and stopped.',
    keys: {
      strategy: { meaning: '`one_for_one` restarts the failed resource; `rest_for_one` also those depending on it' },
      max_restarts: { meaning: 'immediate restarts allowed within `restart_period`; past them, back-off (or halt)' },
      restart_period: { meaning: 'seconds of the restart intensity window' },
      on_exhausted: {
        meaning:
          'past the intensity: `backoff` keeps restarting with back-off; `halt` fails the supervisor and stops everything',
      },
      initial_backoff: { meaning: 'seconds of the first crash-loop back-off, doubled at each further restart' },
      max_backoff: { meaning: 'seconds: no crash-loop back-off is longer' },
      stop_timeout: { meaning: 'seconds each resource gets to stop (0 = no limit)' },
      'resource_defaults.retry_attempts': {
        meaning: 'for resources whose section has none (the filesystem, your own)',
      },
      'resource_defaults.retry_delay': { meaning: 'seconds between attempts' },
      'resource_defaults.timeout': { meaning: 'seconds an initialization or health check may take (0 = no limit)' },
      'resources.<name>.optional': { meaning: 'a resource added in code may fail (degraded)' },
      'resources.<name>.depends_on': { meaning: 'resources it waits for' },
      'resources.<name>.retry_attempts': {
        default: '`resource_defaults`',
        meaning: 'its own initialization attempts after the first',
      },
      'resources.<name>.retry_delay': { default: '`resource_defaults`', meaning: 'its own seconds between attempts' },
      'resources.<name>.timeout': {
        default: '`resource_defaults`',
        meaning: 'its own seconds an attempt or health check may take',
      },
    },
  },
  events: {
    intro: 'The event log.',
    keys: {
      path: { meaning: 'write every event as JSONL to this file (relative to `base_path` unless absolute)' },
      include_connections: { meaning: "also record pooled connections' machine events" },
      'rotation.max_size': {
        meaning: 'start a new file before a write would pass this size (bytes or `"64MB"`; 0: no limit)',
      },
      'rotation.max_age': { meaning: 'seconds a file is written to before the next one starts (0: no limit)' },
      'rotation.keep': {
        meaning: 'rotated files kept besides the active one; older ones are deleted (see [operations](operations.md))',
      },
    },
  },
  http: {
    intro: 'The endpoints `stator start` serves (see [HTTP endpoints](http.md)).',
    keys: {
      enabled: { meaning: 'serve `/health`, `/live`, `/ready`, `/metrics`, `/status` (and `/dashboard/`)' },
      host: { meaning: 'interface to listen on' },
      port: { meaning: 'port (9464 is left to the OpenTelemetry Prometheus exporter)' },
      path_prefix: { meaning: 'mount under this path (`/stator`)' },
      sse_heartbeat: { meaning: 'seconds between keep-alive comments on the `/status` stream' },
      required: {
        meaning: '`stator start` fails when it cannot serve the endpoints (a busy port); `false`: start without them',
      },
      show_details: {
        meaning:
          'who sees the resources in `/health`, `/status` and the dashboard: `never`, `when_authorized` (a principal holding `status:read:*`) or `always`; everyone else sees the overall status only',
      },
      metrics_auth: {
        meaning: 'require a token or API key holding `metrics:read:*` on `/metrics` (`/live` and `/ready` stay open)',
      },
      dashboard: {
        meaning: 'serve the live dashboard at `/dashboard` (it follows `show_details`; see [Dashboard](dashboard.md))',
      },
      process_metrics: {
        meaning: "prom-client's default process metrics (CPU, memory, event-loop lag, GC) on `/metrics`",
      },
      max_connections: { meaning: 'open connections at most; more are closed at once' },
      max_streams: { meaning: 'open event streams (`/status`, the dashboard) at most; more get 503' },
      headers_timeout: { meaning: 'seconds a client has to send the request headers' },
      request_timeout: { meaning: 'seconds a client has to send the whole request' },
    },
  },
  fleet: {
    intro:
      'Each instance publishes a heartbeat with its status to Redis, so that the dashboard and `stator fleet` list every instance of the service.',
    keys: {
      enabled: { meaning: '`auto`: on when `cache.driver` is `redis` (or `fleet.redis` is set)' },
      service: { meaning: "the service's name: instances with the same name form one fleet" },
      instance: { default: '`<hostname>-<pid>`', meaning: "this instance's id" },
      interval: { meaning: 'seconds between heartbeats' },
      missed: {
        meaning: "heartbeats missed before an instance drops out of the fleet (its key's TTL is `interval × missed`)",
      },
      'redis.host': {
        meaning:
          "Redis to publish to (keys `stator:fleet:<service>:<instance>`); without `fleet.redis`: `error_handling.redis`, else the cache's Redis",
      },
      ...redisEndpointMeanings,
      'redis.port': { meaning: 'its port' },
    },
  },
  shutdown: {
    intro: 'Graceful shutdown.',
    keys: {
      drain_delay: { meaning: 'seconds between failing readiness and starting to drain' },
      drain_timeout: { meaning: 'seconds in-flight work gets before resources stop anyway' },
      signals: { meaning: 'signals that start it under `stator start` (`SIGHUP` also allowed)' },
    },
  },
  security: {
    intro: 'Principals, roles, policies, tokens, login limits, audit log (see [Security](security.md)).',
    keys: {
      'principals.<id>.password_hash': { meaning: '`scrypt$...` from `hashPassword()`; without it, no password login' },
      'principals.<id>.key_hashes': { meaning: "`sha256:<hex>` hashes of the principal's API keys" },
      'principals.<id>.roles': { meaning: 'roles (defined under `roles`)' },
      'principals.<id>.attributes': { meaning: 'attributes policies can match' },
      'principals.<id>.permissions': { meaning: 'permissions granted directly (`resource:action:scope`)' },
      'principals.<id>.disabled': { meaning: 'cannot authenticate; its tokens stop working' },
      'roles.<name>.permissions': { meaning: 'grants `resource:action:scope`, denies `!resource:action:scope`' },
      'roles.<name>.inherits': { meaning: 'roles whose permissions it also has' },
      'roles.<name>.description': { meaning: 'free text' },
      'policies[].name': { meaning: "the policy's name, given in every decision it makes" },
      'policies[].effect': { meaning: '`allow` or `deny`' },
      'policies[].permissions': { meaning: 'the permissions (`resource:action:scope`) it covers' },
      'policies[].principals': {
        meaning: 'principal ids it applies to (`*` for all; neither this nor `roles`: everyone)',
      },
      'policies[].roles': { meaning: 'roles it applies to' },
      'policies[].when': {
        meaning:
          'conditions that must all hold: `time.from`, `time.to` (`HH:MM`), `time.days`, `time.timezone` (UTC), `principal.<attribute>`, `request.<attribute>`',
      },
      'policies[].unless': { meaning: 'conditions under which it does not apply (same form as `when`)' },
      'policies[].description': { meaning: 'free text' },
      'jwt.algorithm': { meaning: '`HS256` or `EdDSA`' },
      'jwt.secret': { meaning: 'HS256 secret (32+ characters)' },
      'jwt.secret_file': { meaning: 'read the HS256 secret from this file' },
      'jwt.private_key': { meaning: 'EdDSA PKCS#8 PEM key (issues and verifies)' },
      'jwt.private_key_file': { meaning: 'read the EdDSA private key from this file' },
      'jwt.public_key': { meaning: 'EdDSA SPKI PEM key (verifies only)' },
      'jwt.public_key_file': { meaning: 'read the EdDSA public key from this file' },
      'jwt.ttl': { meaning: 'seconds a token is valid' },
      'jwt.issuer': { meaning: 'token `iss`' },
      'jwt.audience': { meaning: 'token `aud`' },
      'jwt.clock_tolerance': { meaning: 'seconds of clock skew tolerated' },
      'jwt.max_age': {
        meaning:
          'seconds a token may live at most, whoever signed it (older, longer-lived or future-dated tokens are refused)',
      },
      'login.max_failures': { meaning: 'failed logins of one principal within `window` before lockout' },
      'login.max_failures_per_source': { meaning: 'failed logins from one address within `window` before lockout' },
      'login.window': { meaning: 'seconds over which failures count' },
      'login.lockout': { meaning: 'seconds a locked-out principal or source is refused' },
      'audit.file': { meaning: 'audit log, relative to `base_path` and inside it' },
      'audit.mirror_table': { meaning: 'also copy entries into this database table' },
      'audit.sync': {
        meaning:
          '`batch`: a call proceeds once its entry is written to the file, flushed to disk every `batch_interval`; `always`: once it is on disk (fdatasync)',
      },
      'audit.batch_interval': { meaning: 'seconds between two flushes of the audit file to disk with `sync: batch`' },
      'audit.runs': {
        meaning:
          'entries of one batch alike but for `seq` share one line with `count` (format 4); `false`: one line per entry',
      },
      'audit.key': {
        meaning:
          'HMAC key of the chain (16+ characters; prefer `${ENV}` or `key_file`); `stator audit verify --config` uses it',
      },
      'audit.key_file': { meaning: 'read the audit HMAC key from this file' },
      'audit.rotation.max_size': {
        meaning: 'start a new audit file before this size (bytes or `"64MB"`); the chain continues across files',
      },
      'audit.rotation.max_age': {
        meaning: 'seconds an audit file is written to before the next one starts (0: no limit)',
      },
      'audit.rotation.keep': { meaning: 'rotated audit files kept (unset: all; `stator audit verify` checks the set)' },
      'database_roles.roles': {
        meaning: 'PostgreSQL: Stator role → database role each guarded statement runs as (`SET LOCAL ROLE`)',
      },
      'database_roles.default': {
        meaning: 'PostgreSQL: the database role of a principal none of whose roles is mapped (unset: refused)',
      },
      'user_store.table': { meaning: 'principals also from this table (when `user_store` is set)' },
      'revocation.store': { meaning: 'where revoked token ids are kept: `memory` or `database`' },
      'revocation.table': { meaning: 'table of the `database` store' },
    },
  },
};
