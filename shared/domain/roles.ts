/**
 * ingest: send data. analyst: read segments and models, simulate. compliance: a senior compliance
 * officer, reads like an analyst and may pin a customer's segment. admin: manages models and data.
 * privacy: the privacy officer, who alone carries out data subjects' erasure and access requests.
 *
 * Defined in the domain (the authoriser's and handlers' vocabulary); the manifest re-exports them.
 */
export type Role = 'ingest' | 'analyst' | 'compliance' | 'admin' | 'privacy';
export const roles: readonly Role[] = ['ingest', 'analyst', 'compliance', 'admin', 'privacy'];

/** What the authoriser needs of an HTTP route: the manifest's `HttpRoute` satisfies it. */
export interface RouteAccess {
  method: string;
  path: string;
  roles: readonly Role[];
  auth?: 'token' | 'signature' | 'public';
}
