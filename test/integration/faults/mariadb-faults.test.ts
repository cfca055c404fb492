import { databaseFaultSuite } from './support/database-fault-suite.js';

// Ports of this file: the fault suite's range is 20100–20199.
databaseFaultSuite('mariadb', { server: 20101, proxy: 20111 });
