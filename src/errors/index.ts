// Every error class Stator throws, one per file. Add a line here for each new one.
export { StatorError, isStatorError, hasErrorCode } from './stator-error.js';
