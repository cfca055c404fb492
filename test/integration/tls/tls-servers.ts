import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForPort } from '../../support/wait-for-port.js';

/**
 * TLS-only servers for the TLS tests, started per test file on ports of the TLS range
 * (20300–20399), each file its own block: a throwaway CA and certificates made with `openssl`,
 * then PostgreSQL (`ssl=on`, `hostssl`-only `pg_hba.conf`, a password user and a
 * client-certificate user), MariaDB (`require_secure_transport`, a password user and a user that
 * must present a certificate), Redis with `--port 0 --tls-port` (an ACL user, `default` off),
 * a 3-master TLS Redis Cluster, and Memcached with SASL. Everything lives in one temporary
 * directory, removed by `stop()`.
 *
 * Starting them per file (rather than once from `scripts/services.sh`) keeps each file
 * self-contained on a fresh machine: the services script only installs what they need
 * (`sasl2-bin` for `saslpasswd2`). PostgreSQL refuses to run as root: as root, it runs as the
 * `postgres` user.
 */

/** Users the servers know. */
export const USERS = {
  /** PostgreSQL / MariaDB / Redis ACL / Memcached SASL user with a password. */
  app: { name: 'app_user', password: 'app-S3cret-pw' },
  /** Logs in with its client certificate only (PostgreSQL `cert`, MariaDB `REQUIRE SUBJECT`). */
  cert: { name: 'cert_user' },
} as const;

/** The certificate files of a run. */
export interface Certificates {
  readonly dir: string;
  /** The CA that signed the servers' and the client's certificates. */
  readonly ca: string;
  /** Another CA, which signed nothing the servers use. */
  readonly otherCa: string;
  /** Server certificate and key: `localhost`, `127.0.0.1`, `tls.stator.test`. */
  readonly serverCert: string;
  readonly serverKey: string;
  /** Server certificate and key for `localhost` only (no IP address): connecting by 127.0.0.1 mismatches. */
  readonly dnsOnlyCert: string;
  readonly dnsOnlyKey: string;
  /** Client certificate (CN `cert_user`) and key. */
  readonly clientCert: string;
  readonly clientKey: string;
  /** A server certificate that expired (for a plain Node TLS server). */
  readonly expiredCert: string;
}

/** One started server. */
export interface Started {
  readonly port: number;
  stop(): Promise<void>;
}

function sh(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; uid?: number; gid?: number } = {},
): string {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout || result.error?.message}`,
    );
  return result.stdout;
}

/** Makes a CA, another CA, and certificates signed by the first (EC P-256: quick to make). */
export function makeCertificates(dir: string): Certificates {
  const p = (name: string): string => join(dir, name);
  const key = (name: string): void =>
    void sh('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', p(name)]);
  const ca = (name: string, cn: string): void => {
    key(`${name}.key`);
    sh('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      p(`${name}.key`),
      '-days',
      '3',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      p(`${name}.crt`),
    ]);
  };
  const leaf = (name: string, cn: string, ext: string, days = '2'): void => {
    key(`${name}.key`);
    sh('openssl', ['req', '-new', '-key', p(`${name}.key`), '-subj', `/CN=${cn}`, '-out', p(`${name}.csr`)]);
    writeFileSync(p(`${name}.ext`), ext);
    sh('openssl', [
      'x509',
      '-req',
      '-in',
      p(`${name}.csr`),
      '-CA',
      p('ca.crt'),
      '-CAkey',
      p('ca.key'),
      '-CAcreateserial',
      '-days',
      days,
      '-extfile',
      p(`${name}.ext`),
      '-out',
      p(`${name}.crt`),
    ]);
  };
  ca('ca', 'Stator Test CA');
  ca('other-ca', 'Some Other CA');
  leaf(
    'server',
    'localhost',
    'subjectAltName=DNS:localhost,DNS:tls.stator.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  leaf('server-dns', 'localhost', 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf('client', USERS.cert.name, 'extendedKeyUsage=clientAuth\n');
  // Expired: valid from 2020-01-01 to 2020-01-02, signed by the CA through `openssl ca`-less trick (x509 -set_serial with fixed dates is not in OpenSSL 3.0's x509, so use `openssl ca`).
  key('expired.key');
  sh('openssl', ['req', '-new', '-key', p('expired.key'), '-subj', '/CN=localhost', '-out', p('expired.csr')]);
  mkdirSync(p('ca-db'), { recursive: true });
  writeFileSync(p('ca-db/index.txt'), '');
  writeFileSync(p('ca-db/serial'), '1000\n');
  writeFileSync(
    p('ca.cnf'),
    [
      '[ca]',
      'default_ca = test',
      '[test]',
      `dir = ${p('ca-db')}`,
      'database = $dir/index.txt',
      'serial = $dir/serial',
      'new_certs_dir = $dir',
      'default_md = sha256',
      'policy = any',
      'copy_extensions = none',
      'x509_extensions = ext',
      '[any]',
      'commonName = supplied',
      '[ext]',
      'subjectAltName = DNS:localhost,IP:127.0.0.1',
      '',
    ].join('\n'),
  );
  sh('openssl', [
    'ca',
    '-batch',
    '-config',
    p('ca.cnf'),
    '-cert',
    p('ca.crt'),
    '-keyfile',
    p('ca.key'),
    '-in',
    p('expired.csr'),
    '-out',
    p('expired.crt'),
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
    '-notext',
  ]);
  for (const file of ['server.key', 'server-dns.key', 'client.key', 'ca.key', 'other-ca.key', 'expired.key'])
    chmodSync(p(file), 0o600);
  return {
    dir,
    ca: p('ca.crt'),
    otherCa: p('other-ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    dnsOnlyCert: p('server-dns.crt'),
    dnsOnlyKey: p('server-dns.key'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    expiredCert: p('expired.crt'),
  };
}

/** A temporary directory for one test file's servers and certificates. */
export function makeTempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `stator-tls-${label}-`));
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * Runs the server under a small shell watchdog that kills it when this process goes away (even
 * by SIGKILL, when a test worker is torn down) or when the watchdog is told to stop.
 */
const WATCHDOG = [
  'parent=$1; shift',
  '"$@" &',
  'child=$!',
  "trap 'kill -9 $child 2>/dev/null; exit 0' TERM INT",
  'while [ -d /proc/$parent ] && kill -0 $child 2>/dev/null; do sleep 0.3; done',
  'kill -9 $child 2>/dev/null',
  'wait $child',
].join('\n');

function spawnServer(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {},
): ChildProcess {
  return spawn('bash', ['-c', WATCHDOG, 'watchdog', String(process.pid), command, ...args], {
    stdio: 'ignore',
    env: options.env ?? process.env,
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid } : {}),
  });
}

async function stopChild(child: ChildProcess, port: number): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }
  await waitForPort(port, false);
}

function whenStarted(child: ChildProcess, what: string): Promise<never> {
  return new Promise((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it listened`))),
  );
}

async function listening(child: ChildProcess, port: number, what: string): Promise<void> {
  await Promise.race([waitForPort(port, true, 600), whenStarted(child, what)]);
}

/** The uid/gid of `postgres` when running as root (PostgreSQL refuses root), else nothing. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return { uid: Number(sh('id', ['-u', 'postgres']).trim()), gid: Number(sh('id', ['-g', 'postgres']).trim()) };
}

function pgBin(name: string): string {
  const found = spawnSync(
    'bash',
    ['-c', `command -v ${name} || ls /usr/lib/postgresql/*/bin/${name} 2>/dev/null | sort -V | tail -1`],
    { encoding: 'utf8' },
  );
  const path = found.stdout.trim().split('\n').pop();
  if (!path) throw new Error(`${name} not found; install PostgreSQL (scripts/services.sh)`);
  return path;
}

/**
 * PostgreSQL with `ssl=on` and a `hostssl`-only `pg_hba.conf`: `app_user` logs in with its
 * password, `cert_user` only with its client certificate (`cert`), and database `test` exists.
 */
export async function startPostgres(dir: string, certs: Certificates, port: number): Promise<Started> {
  const data = join(dir, `pg-${port}`);
  const owner = postgresUser();
  mkdirSync(data, { recursive: true, mode: 0o700 });
  const pgCerts = join(dir, `pg-certs-${port}`);
  mkdirSync(pgCerts, { recursive: true });
  for (const [from, to] of [
    [certs.serverCert, 'server.crt'],
    [certs.serverKey, 'server.key'],
    [certs.ca, 'ca.crt'],
  ] as const) {
    writeFileSync(join(pgCerts, to), sh('cat', [from]));
    chmodSync(join(pgCerts, to), 0o600);
  }
  if (owner) {
    for (const path of [
      data,
      pgCerts,
      join(pgCerts, 'server.crt'),
      join(pgCerts, 'server.key'),
      join(pgCerts, 'ca.crt'),
    ])
      chownSync(path, owner.uid, owner.gid);
  }
  const pwfile = join(pgCerts, 'pw');
  writeFileSync(pwfile, 'postgres-unused\n');
  if (owner) chownSync(pwfile, owner.uid, owner.gid);
  sh(
    pgBin('initdb'),
    ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '--no-sync', '-E', 'UTF8'],
    owner ?? {},
  );
  writeFileSync(
    join(data, 'pg_hba.conf'),
    [
      'local all all trust',
      `hostssl all ${USERS.cert.name} 127.0.0.1/32 cert`,
      'hostssl all all 127.0.0.1/32 scram-sha-256',
      '',
    ].join('\n'),
  );
  const child = spawnServer(
    pgBin('postgres'),
    [
      '-D',
      data,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${data}`,
      '-c',
      'ssl=on',
      '-c',
      `ssl_cert_file=${join(pgCerts, 'server.crt')}`,
      '-c',
      `ssl_key_file=${join(pgCerts, 'server.key')}`,
      '-c',
      `ssl_ca_file=${join(pgCerts, 'ca.crt')}`,
      '-c',
      'fsync=off',
      '-c',
      'shared_buffers=16MB',
      '-c',
      'max_connections=40',
    ],
    owner ?? {},
  );
  await listening(child, port, 'postgres');
  // Ready for queries (the port opens before recovery ends): set the users up over the socket.
  const psql = (sql: string): string => {
    for (let i = 0; ; i++) {
      const r = spawnSync(
        pgBin('psql'),
        ['-h', data, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-tAc', sql],
        { encoding: 'utf8', ...(owner ?? {}) },
      );
      if (r.status === 0) return r.stdout;
      if (i > 100) throw new Error(`psql failed: ${r.stderr}`);
      spawnSync('sleep', ['0.1']);
    }
  };
  psql(`CREATE USER ${USERS.app.name} SUPERUSER PASSWORD '${USERS.app.password}'`);
  psql(`CREATE USER ${USERS.cert.name} SUPERUSER PASSWORD 'cert-user-password-not-accepted'`);
  psql('CREATE DATABASE test');
  return { port, stop: () => stopChild(child, port) };
}

/**
 * MariaDB with `require_secure_transport` and a certificate for `localhost` only: `app_user` logs in with its password over TLS,
 * `cert_user` only with the client certificate (`REQUIRE SUBJECT`); database `test` exists.
 */
export async function startMariadb(dir: string, certs: Certificates, port: number): Promise<Started> {
  const data = join(dir, `maria-${port}`);
  mkdirSync(data, { recursive: true });
  sh(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${data}`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
      '--skip-log-bin',
    ],
    {},
  );
  const init = join(dir, `maria-init-${port}.sql`);
  writeFileSync(
    init,
    [
      'CREATE DATABASE IF NOT EXISTS test;',
      `CREATE USER IF NOT EXISTS '${USERS.app.name}'@'%' IDENTIFIED BY '${USERS.app.password}';`,
      `GRANT ALL ON *.* TO '${USERS.app.name}'@'%' WITH GRANT OPTION;`,
      `CREATE USER IF NOT EXISTS '${USERS.cert.name}'@'%' IDENTIFIED BY 'cert-user-password' REQUIRE SUBJECT '/CN=${USERS.cert.name}';`,
      `GRANT ALL ON *.* TO '${USERS.cert.name}'@'%';`,
      '',
    ].join('\n'),
  );
  const child = spawnServer('mariadbd', [
    '--no-defaults',
    `--datadir=${data}`,
    '--user=root',
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--socket=${join(data, 'sock')}`,
    `--pid-file=${join(data, 'pid')}`,
    `--log-error=${join(data, 'err.log')}`,
    '--skip-name-resolve',
    '--skip-log-bin',
    '--innodb-buffer-pool-size=16M',
    '--innodb-log-file-size=8M',
    '--skip-innodb-doublewrite',
    '--innodb-flush-log-at-trx-commit=0',
    `--ssl-ca=${certs.ca}`,
    `--ssl-cert=${certs.dnsOnlyCert}`,
    `--ssl-key=${certs.dnsOnlyKey}`,
    '--require-secure-transport=ON',
    `--init-file=${init}`,
    '--max-connections=60',
  ]);
  await listening(child, port, 'mariadbd');
  return { port, stop: () => stopChild(child, port) };
}

/** TLS arguments of redis-server. */
const redisTls = (certs: Certificates, port: number): string[] => [
  '--port',
  '0',
  '--tls-port',
  String(port),
  '--bind',
  '127.0.0.1',
  '--save',
  '',
  '--appendonly',
  'no',
  '--tls-cert-file',
  certs.serverCert,
  '--tls-key-file',
  certs.serverKey,
  '--tls-ca-cert-file',
  certs.ca,
  '--tls-auth-clients',
  'optional',
];

/** Redis on a TLS port only; user `app_user` (password) may do anything, `default` is off. */
export async function startRedisTls(dir: string, certs: Certificates, port: number): Promise<Started> {
  const acl = join(dir, `redis-${port}.acl`);
  writeFileSync(
    acl,
    [`user default off`, `user ${USERS.app.name} on >${USERS.app.password} ~* &* +@all`, ''].join('\n'),
  );
  const child = spawnServer('redis-server', [...redisTls(certs, port), '--aclfile', acl, '--dir', dir]);
  await listening(child, port, 'redis-server');
  return { port, stop: () => stopChild(child, port) };
}

/** A 3-master Redis Cluster over TLS (client and cluster bus), no auth. */
export async function startRedisClusterTls(
  dir: string,
  certs: Certificates,
  ports: readonly number[],
): Promise<Started[]> {
  const nodes = await Promise.all(
    ports.map(async (port) => {
      const child = spawnServer('redis-server', [
        ...redisTls(certs, port),
        '--tls-cluster',
        'yes',
        '--tls-replication',
        'yes',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '2000',
        '--dir',
        dir,
      ]);
      await listening(child, port, 'redis-server (cluster)');
      return { port, stop: () => stopChild(child, port) };
    }),
  );
  const tlsCli = ['--tls', '--cacert', certs.ca];
  sh('redis-cli', [
    ...tlsCli,
    '--cluster',
    'create',
    ...ports.map((p) => `127.0.0.1:${p}`),
    '--cluster-replicas',
    '0',
    '--cluster-yes',
  ]);
  for (let i = 0; ; i++) {
    const ok = ports.every((p) =>
      /cluster_state:ok/.test(
        spawnSync('redis-cli', [...tlsCli, '-p', String(p), 'cluster', 'info'], { encoding: 'utf8' }).stdout,
      ),
    );
    if (ok) break;
    if (i > 200) throw new Error('the TLS Redis Cluster did not reach cluster_state:ok');
    await new Promise((r) => setTimeout(r, 100));
  }
  return nodes;
}

/**
 * A TLS-only master (no auth) and a TLS-only Sentinel watching it as `name` (quorum 1): the
 * Sentinel talks TLS to clients and to the master (`tls-replication yes`).
 */
export async function startSentinelTls(
  dir: string,
  certs: Certificates,
  name: string,
  masterPort: number,
  sentinelPort: number,
): Promise<Started[]> {
  const master = spawnServer('redis-server', [...redisTls(certs, masterPort), '--dir', dir]);
  await listening(master, masterPort, 'redis-server (master)');
  const conf = join(dir, `sentinel-${sentinelPort}.conf`);
  writeFileSync(
    conf,
    [
      'port 0',
      `tls-port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `tls-cert-file ${certs.serverCert}`,
      `tls-key-file ${certs.serverKey}`,
      `tls-ca-cert-file ${certs.ca}`,
      'tls-auth-clients no',
      'tls-replication yes',
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${name} 1000`,
      '',
    ].join('\n'),
  );
  const sentinel = spawnServer('redis-server', [conf, '--sentinel']);
  await listening(sentinel, sentinelPort, 'redis-sentinel');
  return [
    { port: masterPort, stop: () => stopChild(master, masterPort) },
    { port: sentinelPort, stop: () => stopChild(sentinel, sentinelPort) },
  ];
}

/** Memcached with SASL (binary protocol, PLAIN, user `app_user` in a sasldb of its own). */
export async function startMemcachedSasl(dir: string, port: number): Promise<Started> {
  const conf = join(dir, `sasl-${port}`);
  mkdirSync(conf, { recursive: true });
  const db = join(conf, 'sasldb2');
  writeFileSync(join(conf, 'memcached.conf'), `mech_list: plain\nsasldb_path: ${db}\n`);
  sh('saslpasswd2', ['-p', '-a', 'memcached', '-c', '-f', db, USERS.app.name], { input: USERS.app.password });
  const child = spawnServer(
    'memcached',
    ['-S', '-p', String(port), '-l', '127.0.0.1', '-U', '0', '-m', '16', '-u', 'root'],
    {
      env: { ...process.env, SASL_CONF_PATH: conf },
    },
  );
  await listening(child, port, 'memcached');
  return { port, stop: () => stopChild(child, port) };
}

/** Removes a run's directory. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
