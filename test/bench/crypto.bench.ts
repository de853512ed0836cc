import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { sealJson } from '../../shared/domain/crypto/envelope.js';
import { Pseudonymiser } from '../../shared/domain/crypto/pseudonymiser.js';
import { type BenchResult, compare, throughput } from './measure.js';

const secret = randomBytes(32);
const dataKey = randomBytes(32);
const personalData = {
  name: 'Ada Example',
  email: 'ada@example.com',
  phone: '+447700900123',
  dateOfBirth: '1985-12-10',
  address: { line1: '1 Example Street', city: 'London', postalCode: 'N1 1AA', country: 'GB' },
};

/** Pseudonymise an identifier and seal the personal data, vs the same two primitives done raw. */
export async function run(): Promise<BenchResult[]> {
  const pseudonymiser = new Pseudonymiser({ version: 'k1', secret });
  let i = 0;
  const baseline = await throughput('raw node:crypto HMAC-SHA-256 + AES-256-GCM', () => {
    const id = `C-${i++}`;
    createHmac('sha256', secret).update(id).digest('base64url');
    const cipher = createCipheriv('aes-256-gcm', dataKey, randomBytes(12));
    cipher.setAAD(Buffer.from(id));
    Buffer.concat([cipher.update(JSON.stringify(personalData)), cipher.final()]);
    cipher.getAuthTag();
  });
  const subject = await throughput('riskloop pseudonym() + sealJson()', () => {
    const pseudonym = pseudonymiser.pseudonym('customer', `C-${i++}`);
    sealJson(dataKey, personalData, `riskloop:profile:${pseudonym}:personalData`);
  });
  return [compare('pseudonymise + encrypt', baseline, subject, 0.7)];
}
