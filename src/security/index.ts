/** Security: authentication, authorization (roles, permissions, policies), guarded access, the audit log. */
export { createSecurity, type CreateSecurityOptions } from './create-security.js';
export { Security, type Subject } from './security.js';
export { Authenticator, type AuthResult } from './authenticator.js';
export type { Credentials, PasswordCredentials, ApiKeyCredentials } from './credentials.js';
export { Authorizer, type Decision, type AuthorizationRules } from './authorizer.js';
export { ALL_SCOPES, type AccessRequest } from './access-request.js';
export { ANONYMOUS, type Principal, type AttributeValue } from './principal.js';
export type { Policy, PolicyConditions, RoleDefinition, AttributeMatch } from './policy.js';
export type { TimeWindow, Day } from './time-window.js';
export { compileScopeGlob } from './scope-glob.js';
export { hashPassword, verifyPassword, type PasswordHashOptions } from './password-hash.js';
export { generateApiKey, hashApiKey } from './api-key.js';
export { AuditLog, type AuditLogOptions, type AuditMirror } from './audit-log.js';
export { GENESIS_HASH, type AuditEntry, type AuditRecord } from './audit-entry.js';
export { verifyAuditLog, type AuditVerification } from './verify-audit-log.js';
export type { PrincipalStore, PrincipalRecord } from './principal-store.js';
export { KnexPrincipalStore } from './knex-principal-store.js';
export type { RevocationStore } from './revocation-store.js';
