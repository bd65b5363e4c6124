/** Users and clients of Meridian, and the authorization server's stored state. */
export { Accounts, publicClient, publicUser } from './accounts.ts';
export { Grants } from './grants.ts';
export type { PendingRequest, IssuedCode, IssuedRefresh, Redemption, RevokedAccess, CodeRow, LaunchRow, RefreshRow, RequestRow, SigningKeyRow } from './grants.ts';
export { AccountError, ROLES } from './types.ts';
export type { Client, ClientAuthMethod, ClientWithSecret, NewClient, NewUser, User, UserWithSecret } from './types.ts';
export { hashSecret, verifySecret, burnSecretCheck, randomId, randomToken, sha256, sameText } from './secrets.ts';
export { checkUser, checkClient, checkRoles, checkClearance, checkRedirectUri, MIN_PASSWORD } from './validate.ts';
