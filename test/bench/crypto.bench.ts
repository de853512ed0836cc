import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  AlgorithmSuiteIdentifier,
  buildClient,
  CommitmentPolicy,
  getLocalCryptographicMaterialsCache,
  NodeCachingMaterialsManager,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';
import { sealJson } from '../../shared/domain/crypto/envelope.js';
import { Pseudonymiser } from '../../shared/domain/crypto/pseudonymiser.js';
import { type BenchResult, compareRounds, interleaved } from './measure.js';

const secret = randomBytes(32);
const dataKey = randomBytes(32);
const personalData = {
  name: 'Ada Example',
  email: 'ada@example.com',
  phone: '+447700900123',
  dateOfBirth: '1985-12-10',
  address: { line1: '1 Example Street', city: 'London', postalCode: 'N1 1AA', country: 'GB' },
};

/**
 * Pseudonymise an identifier and seal the personal data, vs the same two primitives done raw. Each
 * comparison times its two sides in alternating slices (`BENCH_ROUNDS` rounds) and reports the median
 * of the per-round ratios, so another process competing for the CPU slows both sides alike.
 */
export async function run(): Promise<BenchResult[]> {
  const pseudonymiser = new Pseudonymiser({ version: 'k1', secret });
  let i = 0;
  const riskloop = {
    label: 'riskloop pseudonym() + sealJson()',
    fn: () => {
      const pseudonym = pseudonymiser.pseudonym('customer', `C-${i++}`);
      sealJson(dataKey, personalData, `riskloop:profile:${pseudonym}:personalData`);
    },
  };
  const raw = await interleaved(
    {
      label: 'raw node:crypto HMAC-SHA-256 + AES-256-GCM',
      fn: () => {
        const id = `C-${i++}`;
        createHmac('sha256', secret).update(id).digest('base64url');
        const cipher = createCipheriv('aes-256-gcm', dataKey, randomBytes(12));
        cipher.setAAD(Buffer.from(id));
        Buffer.concat([cipher.update(JSON.stringify(personalData)), cipher.final()]);
        cipher.getAuthTag();
      },
    },
    riskloop,
  );
  return [compareRounds('pseudonymise + encrypt', raw, 0.7), ...(await againstEncryptionSdk(riskloop))];
}

const ESDK_VERSION = (
  createRequire(import.meta.url)('@aws-crypto/client-node/package.json') as { version: string }
).version;

/**
 * The same work done with AWS's client-side encryption library: the AWS Encryption SDK with a
 * caching materials manager (so the keyring, here a raw AES key standing in for KMS offline, wraps one
 * data key for the whole run), plus the raw HMAC for the identifier, which the SDK does not offer.
 * The encryption context is constant: a per-record context, like riskloop's AAD, would make every
 * record a cache miss. Both the non-signing committing suite and the SDK's default (ECDSA P-384
 * signature per message) are measured; riskloop's envelope has no signature, so the first is the fair one.
 */
async function againstEncryptionSdk(riskloop: { label: string; fn: () => void }): Promise<BenchResult[]> {
  const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const keyring = new RawAesKeyringNode({
    keyNamespace: 'riskloop-bench',
    keyName: 'kek1',
    unencryptedMasterKey: randomBytes(32),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
  const cmm = new NodeCachingMaterialsManager({
    backingMaterials: keyring,
    cache: getLocalCryptographicMaterialsCache(100),
    maxAge: 5 * 60_000,
    maxMessagesEncrypted: 2 ** 32,
  });
  const suites = [
    [
      'committing suite without signature',
      AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
    ],
    [
      'default suite (ECDSA P-384 signature)',
      AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
    ],
  ] as const;
  const results: BenchResult[] = [];
  let i = 0;
  for (const [what, suiteId] of suites) {
    const esdk = await interleaved(
      {
        label: `AWS Encryption SDK ${ESDK_VERSION} encrypt + raw HMAC`,
        fn: async () => {
          createHmac('sha256', secret).update(`C-${i++}`).digest('base64url');
          await encrypt(cmm, JSON.stringify(personalData), {
            suiteId,
            encryptionContext: { purpose: 'riskloop-bench' },
          });
        },
      },
      riskloop,
    );
    results.push(
      compareRounds(
        `pseudonymise + encrypt vs AWS Encryption SDK, ${what}`,
        esdk,
        1,
        `caching materials manager over a raw AES-256 keyring (one data key for the run), constant encryption context, ${JSON.stringify(personalData).length}-byte payload, records one after another (awaited)`,
      ),
    );
  }
  return results;
}
