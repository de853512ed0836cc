import { describe, expect, it } from 'vitest';
import type { Principal } from '../../shared/domain/auth.js';
import {
  firstAdminId,
  type InitialiseDeps,
  initialisationProperties,
  initialise,
} from '../../shared/domain/deployment/initialise.js';
import type { AuditEvent } from '../../shared/domain/ports.js';

/** Deps whose state survives between runs, as the tables do between deployments. */
function deployment() {
  const keyring = new Set<string>();
  const principals = new Map<string, Principal>();
  const audit = new Map<string, AuditEvent>();
  const deps: InitialiseDeps = {
    keyring: {
      async initialise(v) {
        for (const keyRef of [`mac#${v.macKeyVersion}`, `kek#${v.kekVersion}`]) keyring.add(keyRef);
        return [...keyring];
      },
    },
    principals: {
      async createIfAbsent(p) {
        if (principals.has(p.keyHash)) return false;
        principals.set(p.keyHash, p);
        return true;
      },
    },
    // The audit store turns a second record of the same fact (same event id) into a no-op.
    audit: {
      async append(events) {
        for (const e of events) if (!audit.has(e.eventId)) audit.set(e.eventId, e);
      },
    },
  };
  return { deps, keyring, principals, audit };
}

const hash = 'c0ffee'.padEnd(64, '0');
const at = new Date('2026-12-07T10:00:00Z');
const versions = { macKeyVersion: 'k1', kekVersion: 'kek1' };

describe('deploy-time initialisation', () => {
  it('ensures the keyring and audits each secret once, as the deployment acting', async () => {
    const { deps, audit } = deployment();

    const done = await initialise(deps, { versions, requestId: 'r1', at });

    expect(done).toEqual({ keyring: ['mac#k1', 'kek#kek1'], firstAdmin: null });
    expect([...audit.values()]).toEqual([
      expect.objectContaining({
        eventId: 'deployment:keyring:mac#k1',
        action: 'keyring.initialised',
        actor: { type: 'system', id: 'deployment' },
        subject: null,
        details: { keyRef: 'mac#k1' },
      }),
      expect.objectContaining({ eventId: 'deployment:keyring:kek#kek1', action: 'keyring.initialised' }),
    ]);
  });

  it('registers the first administrator from the hash alone, never anything that reveals the key', async () => {
    const { deps, principals, audit } = deployment();

    const done = await initialise(deps, { versions, firstAdminKeyHash: hash, requestId: 'r1', at });

    expect(done.firstAdmin).toBe(firstAdminId(hash));
    expect(principals.get(hash)).toMatchObject({ principalId: 'first-admin-c0ffee00', role: 'admin' });
    const record = audit.get(`deployment:principal:${done.firstAdmin}`);
    expect(record?.details).toEqual({ principalId: 'first-admin-c0ffee00', role: 'admin' });
    expect(JSON.stringify([...audit.values()])).not.toContain(hash);
  });

  it('run again by the next deployment, creates nothing twice and writes no second record', async () => {
    const { deps, principals, audit } = deployment();
    await initialise(deps, { versions, firstAdminKeyHash: hash, requestId: 'r1', at });
    const records = audit.size;

    await initialise(deps, {
      versions,
      firstAdminKeyHash: hash,
      requestId: 'r2',
      at: new Date('2026-12-08T10:00:00Z'),
    });

    expect(principals.size).toBe(1);
    expect(audit.size).toBe(records);
  });

  it('audits on the retry what an earlier run created before it died', async () => {
    const { deps, keyring, audit } = deployment();
    keyring.add('mac#k1');
    keyring.add('kek#kek1');

    await initialise(deps, { versions, requestId: 'retry', at });

    expect([...audit.keys()].sort()).toEqual(['deployment:keyring:kek#kek1', 'deployment:keyring:mac#k1']);
  });

  it('creates the versions the deployment asks for (a new KEK version before the functions use it)', async () => {
    const { deps, keyring } = deployment();

    await initialise(deps, { versions: { macKeyVersion: 'k1', kekVersion: 'kek2' }, requestId: 'r', at });

    expect([...keyring].sort()).toEqual(['kek#kek2', 'mac#k1']);
  });

  it('reads the properties CloudFormation really sends (ServiceToken and ServiceTimeout among them)', () => {
    // ResourceProperties of a Create event for the template's Custom::RiskloopInitialisation.
    const sent = {
      ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:riskloop-dev-initialiser',
      ServiceTimeout: '300',
      kekVersion: 'kek1',
      macKeyVersion: 'k1',
      firstAdminKeyHash: hash,
    };
    expect(initialisationProperties.parse(sent)).toEqual(sent);
    expect(() =>
      initialisationProperties.parse({ ...sent, firstAdminKeyHash: `rl_admin_${'A'.repeat(43)}` }),
    ).toThrow();
    expect(() => initialisationProperties.parse({ ...sent, unexpected: 'x' })).toThrow();
  });
});
