import { afterAll, beforeAll } from 'vitest';
import { createCacheLayer } from '../../../src/cache/index.js';
import { cacheTestContext, uniquePrefix } from '../../unit/cache/test-context.js';
import { describeCacheBehaviour } from '../cache/behaviour-suite.js';
import {
  makeCertificates,
  makeTempDir,
  removeTempDir,
  startRedisTls,
  USERS,
  type Certificates,
  type Started,
} from './tls-servers.js';

// The cache behaviour suite, once over TLS: a TLS-only Redis of this file's own (port 20311,
// `--port 0`), reached through a rediss:// URL as the ACL user, verifying the certificate
// against the test CA.
const PORT = 20311;
const SIGNAL = new AbortController().signal;
const prefix = uniquePrefix('redis-tls');
let dir = '';
let certs: Certificates;
let server: Started | undefined;

beforeAll(async () => {
  dir = makeTempDir('cachesuite');
  certs = makeCertificates(dir);
  server = await startRedisTls(dir, certs, PORT);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  removeTempDir(dir);
});

const url = (): string => `rediss://${USERS.app.name}:${encodeURIComponent(USERS.app.password)}@127.0.0.1:${PORT}/0`;

describeCacheBehaviour({
  name: 'redis',
  label: 'redis over TLS (rediss:// URL, ACL user, verified certificate)',
  canInvalidatePrefix: true,
  nodes: [`127.0.0.1:${PORT}`],
  countsTagRemovals: true,
  async create(cache = {}) {
    const ctx = cacheTestContext({
      url: url(),
      tls: { ca_file: certs.ca },
      key_prefix: prefix,
      default_ttl: 600,
      ...cache,
    });
    const layer = createCacheLayer(ctx);
    await layer.start({ signal: SIGNAL, attempt: 1, dependencies: new Map() });
    return { layer, ctx, advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };
  },
});
