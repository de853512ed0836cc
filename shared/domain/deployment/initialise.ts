import { z } from 'zod';
import { auditEvent } from '../audit.js';
import type { Principal } from '../auth.js';
import type { Actor, AuditLog } from '../ports.js';

/** What a deployment asks the initialiser for. */
/**
 * The initialisation resource's properties, as CloudFormation passes them (with the resource's own
 * ServiceToken and ServiceTimeout). The versions are there so that changing one makes it run again.
 */
export const initialisationProperties = z
  .object({
    ServiceToken: z.string().optional(),
    ServiceTimeout: z.string().optional(),
    kekVersion: z.string().regex(/^kek[1-9][0-9]{0,3}$/),
    macKeyVersion: z.string().regex(/^k[1-9][0-9]{0,3}$/),
    firstAdminKeyHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'the SHA-256 of the key, 64 lowercase hex digits')
      .optional(),
  })
  .strict();

/** The versions of the keyring's secrets a deployment asks for. */
export interface KeyringVersions {
  macKeyVersion: string;
  kekVersion: string;
}

export interface InitialiseRequest {
  versions: KeyringVersions;
  /**
   * SHA-256 (hex) of the first administrator's API key. The operator generates the key on a trusted
   * machine and passes only this hash: the key never appears in a template, output or log.
   */
  firstAdminKeyHash?: string;
  requestId: string;
  at: Date;
}

export interface InitialiseDeps {
  /** Creates the keyring secrets the deployment's settings name, where absent; lists every one it ensured. */
  keyring: { initialise(versions: KeyringVersions): Promise<string[]> };
  principals: { createIfAbsent(principal: Principal): Promise<boolean> };
  audit: AuditLog;
}

export interface Initialised {
  /** Keyring secrets that now exist (created by this run or an earlier one). */
  keyring: string[];
  /** The first administrator's principal id, when a hash was given. */
  firstAdmin: string | null;
}

const deployment: Actor = { type: 'system', id: 'deployment' };

/** A principal id that names the key without revealing it (a prefix of its hash). */
export const firstAdminId = (keyHash: string) => `first-admin-${keyHash.slice(0, 8)}`;

/**
 * Deploy-time initialisation: the keyring's secrets exist before any request needs them (functions that
 * may only decrypt never create one), and the first administrator exists before anyone calls the API.
 * Idempotent: run again by every deployment, it creates nothing twice, and each fact gets exactly one
 * audit record (its event id names the fact), even when an earlier run died between writing it and
 * auditing it.
 */
export async function initialise(deps: InitialiseDeps, request: InitialiseRequest): Promise<Initialised> {
  const keyring = await deps.keyring.initialise(request.versions);
  const events = keyring.map((keyRef) =>
    auditEvent({
      eventId: `deployment:keyring:${keyRef}`,
      subject: null,
      actor: deployment,
      action: 'keyring.initialised',
      reasonCodes: ['DEPLOYMENT'],
      requestId: request.requestId,
      at: request.at,
      details: { keyRef },
    }),
  );
  let firstAdmin: string | null = null;
  if (request.firstAdminKeyHash) {
    firstAdmin = firstAdminId(request.firstAdminKeyHash);
    await deps.principals.createIfAbsent({
      keyHash: request.firstAdminKeyHash,
      principalId: firstAdmin,
      name: 'First administrator (created by the deployment)',
      role: 'admin',
      createdAt: request.at.toISOString(),
    });
    events.push(
      auditEvent({
        eventId: `deployment:principal:${firstAdmin}`,
        subject: null,
        actor: deployment,
        action: 'principal.created',
        reasonCodes: ['DEPLOYMENT'],
        requestId: request.requestId,
        at: request.at,
        details: { principalId: firstAdmin, role: 'admin' },
      }),
    );
  }
  await deps.audit.append(events);
  return { keyring, firstAdmin };
}
