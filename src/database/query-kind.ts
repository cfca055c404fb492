/** Statements a database can explain: reads and the four kinds of writes. */
const EXPLAINABLE = /^\s*(?:\(\s*)*(select|with|insert|update|delete|replace)\b/i;

/** True when `sql` is a statement EXPLAIN accepts on every dialect (no DDL, no BEGIN, no EXPLAIN). */
export const isExplainable = (sql: string): boolean => EXPLAINABLE.test(sql);
