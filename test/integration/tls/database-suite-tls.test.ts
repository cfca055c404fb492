import { readFileSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { describeDatabaseSuite } from '../database/suite/database-suite.js';
import {
  makeCertificates,
  makeTempDir,
  removeTempDir,
  startPostgres,
  USERS,
  type Certificates,
  type Started,
} from './tls-servers.js';

// The database layer's behavioural suite, once over TLS: a TLS-only PostgreSQL of this file's own
// (port 20310), reached through a postgres:// URL with sslmode=verify-full and the test CA.
const PORT = 20310;
let dir = '';
let certs: Certificates;
let server: Started | undefined;

beforeAll(async () => {
  dir = makeTempDir('dbsuite');
  certs = makeCertificates(dir);
  server = await startPostgres(dir, certs, PORT);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  removeTempDir(dir);
});

describeDatabaseSuite(
  'postgresql',
  () => ({
    admin: {
      client: 'pg',
      connection: {
        host: '127.0.0.1',
        port: PORT,
        user: USERS.app.name,
        password: USERS.app.password,
        database: 'test',
        ssl: { ca: readFileSync(certs.ca) },
      },
    },
    port: PORT,
    database: (name) => ({
      url: `postgres://${USERS.app.name}:${encodeURIComponent(USERS.app.password)}@127.0.0.1:${PORT}/${name}?sslmode=verify-full`,
      ssl: { ca_file: certs.ca },
    }),
  }),
  ' over TLS (verify-full, through database.url)',
);
