import { describeDatabaseSuite } from './suite/database-suite.js';

describeDatabaseSuite('postgresql');
