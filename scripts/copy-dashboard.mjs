// Copies the dashboard page (plain HTML, CSS and browser JavaScript, not compiled by tsc) next to
// the compiled dashboard module, so that the package serves it offline.
import { cpSync, rmSync } from 'node:fs';

const from = 'src/http/dashboard/public';
const to = 'dist/src/http/dashboard/public';
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });
