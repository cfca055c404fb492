/** A login with a principal id and password. */
export interface PasswordCredentials {
  readonly username: string;
  readonly password: string;
  /** Where the attempt comes from (an address), for the per-source limit and the audit log. */
  readonly source?: string;
}

/** A login with an API key (`stk_<principal>.<secret>`). */
export interface ApiKeyCredentials {
  readonly apiKey: string;
  readonly source?: string;
}

/** What {@link Authenticator.authenticate} accepts. */
export type Credentials = PasswordCredentials | ApiKeyCredentials;

/** True for password credentials. */
export const isPasswordCredentials = (c: Credentials): c is PasswordCredentials => 'username' in c;
