import { cacheFaultSuite } from './support/cache-fault-suite.js';

// Ports of this file: the fault suite's range is 20100–20199.
cacheFaultSuite('redis', { server: 20102, proxy: 20112 });
