import { randomBytes } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { KmsKeyService, type KmsKeyServiceOptions } from '../../shared/adapters/kms-key-service.js';
import { Pseudonymiser } from '../../shared/domain/crypto/pseudonymiser.js';

const options: KmsKeyServiceOptions = {
  keyringTable: 'fake-keyring',
  subjectKeysTable: 'fake-subject-keys',
  macWrappingKeyId: 'alias/fake-mac',
  dataWrappingKeyId: 'alias/fake-data',
  macKeyVersion: 'k1',
  kekVersion: 'v1',
  cacheTtlMs: 60_000,
  maxCachedSubjectKeys: 100,
};

const kmsMock = mockClient(KMSClient);
const docMock = mockClient(DynamoDBDocumentClient);

/** The fake KMS "wraps" by prefixing a marker byte; Decrypt strips it. Enough to round-trip. */
const wrap = (plaintext: Uint8Array) => Buffer.concat([Buffer.from([0xee]), plaintext]);
const unwrap = (blob: Uint8Array) => Buffer.from(blob).subarray(1);

let tables: Record<string, Map<string, Record<string, unknown>>>;
let nowMs: number;
let generated: Buffer[];

function makeService(): KmsKeyService {
  const kms = new KMSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
  );
  return new KmsKeyService(kms, doc, options, () => nowMs);
}

function fakeGenerateDataKey(input: { KeyId: string }) {
  const plaintext = randomBytes(32);
  generated.push(plaintext);
  return { Plaintext: plaintext, CiphertextBlob: wrap(plaintext), KeyId: input.KeyId };
}

function fakeGet(input: { TableName: string; Key: Record<string, string> }) {
  const id = Object.values(input.Key)[0] ?? '';
  return { Item: tables[input.TableName]?.get(id) };
}

function fakeBatchGet(input: { RequestItems: Record<string, { Keys: Record<string, string>[] }> }) {
  const [tableName, request] = Object.entries(input.RequestItems)[0] ?? ['', { Keys: [] }];
  const found = request.Keys.map((k) => tables[tableName]?.get(Object.values(k)[0] ?? '')).filter(
    (item) => item !== undefined,
  );
  return { Responses: { [tableName]: found } };
}

const keyOf = (table: string) => (table === options.keyringTable ? 'keyRef' : 'pseudonym');

beforeEach(() => {
  nowMs = Date.parse('2026-06-01T12:00:00Z');
  generated = [];
  tables = { [options.keyringTable]: new Map(), [options.subjectKeysTable]: new Map() };

  kmsMock.reset();
  kmsMock.on(GenerateDataKeyCommand).callsFake(fakeGenerateDataKey);
  kmsMock.on(DecryptCommand).callsFake((input: { CiphertextBlob: Uint8Array }) => ({
    Plaintext: unwrap(input.CiphertextBlob),
  }));

  // A tiny DynamoDB: conditional puts, gets and batch gets over in-memory maps.
  docMock.reset();
  docMock.on(GetCommand).callsFake(fakeGet);
  docMock.on(PutCommand).callsFake((input: { TableName: string; Item: Record<string, unknown> }) => {
    const id = String(input.Item[keyOf(input.TableName)]);
    const table = tables[input.TableName];
    if (!table) throw new Error(`no table ${input.TableName}`);
    if (table.has(id)) {
      throw new ConditionalCheckFailedException({ message: 'exists', $metadata: {} });
    }
    table.set(id, structuredClone(input.Item));
    return {};
  });
  docMock.on(BatchGetCommand).callsFake(fakeBatchGet);
  // Transactions: all puts are conditional on absence; any conflict cancels the whole transaction.
  docMock
    .on(TransactWriteCommand)
    .callsFake(
      (input: { TransactItems: { Put: { TableName: string; Item: Record<string, unknown> } }[] }) => {
        const puts = input.TransactItems.map((t) => t.Put);
        const existing = puts.map((put) =>
          tables[put.TableName]?.get(String(put.Item[keyOf(put.TableName)])),
        );
        if (existing.some((e) => e !== undefined)) {
          throw new TransactionCanceledException({
            message: 'cancelled',
            $metadata: {},
            CancellationReasons: existing.map((e) =>
              e ? { Code: 'ConditionalCheckFailed', Item: marshall(e) } : { Code: 'None' },
            ),
          });
        }
        for (const put of puts)
          tables[put.TableName]?.set(String(put.Item[keyOf(put.TableName)]), structuredClone(put.Item));
        return {};
      },
    );
});

/** Subject-key puts, whether sent alone or inside transactions. */
const subjectKeyPuts = () => [
  ...docMock
    .commandCalls(PutCommand)
    .map((c) => c.args[0].input)
    .filter((i) => i.TableName === 'fake-subject-keys'),
  ...docMock
    .commandCalls(TransactWriteCommand)
    .flatMap((c) => (c.args[0].input.TransactItems ?? []).map((t) => t.Put))
    .filter((put) => put?.TableName === 'fake-subject-keys'),
];

const kmsCalls = () => ({
  generate: kmsMock.commandCalls(GenerateDataKeyCommand).length,
  decrypt: kmsMock.commandCalls(DecryptCommand).length,
});

/** Runs the deployment's initialisation in a container of its own, then forgets its calls. */
async function initialised(): Promise<void> {
  await makeService().initialise();
  kmsMock.resetHistory();
  docMock.resetHistory();
}

describe('KmsKeyService.initialise (run by the deployment, never by a request)', () => {
  it('on an empty keyring, generates the MAC secret and the KEK with KMS and stores them wrapped, with a condition', async () => {
    // Act
    const ensured = await makeService().initialise();

    // Assess
    expect(ensured).toEqual(['mac#k1', 'kek#v1']);
    expect(kmsCalls()).toEqual({ generate: 2, decrypt: 0 });
    expect(kmsMock.commandCalls(GenerateDataKeyCommand).map((c) => c.args[0].input)).toEqual([
      {
        KeyId: 'alias/fake-mac',
        KeySpec: 'AES_256',
        EncryptionContext: { purpose: 'pseudonymisation', keyRef: 'mac#k1', app: 'riskloop' },
      },
      {
        KeyId: 'alias/fake-data',
        KeySpec: 'AES_256',
        EncryptionContext: { purpose: 'key-encryption', keyRef: 'kek#v1', app: 'riskloop' },
      },
    ]);
    const puts = docMock.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(puts).toHaveLength(2);
    for (const put of puts) {
      expect(put).toMatchObject({
        TableName: 'fake-keyring',
        ConditionExpression: 'attribute_not_exists(keyRef)',
      });
    }
    const secret = generated[0] as Buffer;
    const stored = tables[options.keyringTable]?.get('mac#k1');
    expect(stored?.wrapped).toBe(wrap(secret).toString('base64'));
    expect(stored?.wrapped).not.toBe(secret.toString('base64'));
  });

  it('creates nothing on a second run, and still names what exists', async () => {
    await makeService().initialise();
    kmsMock.resetHistory();
    docMock.resetHistory();

    const ensured = await makeService().initialise();

    expect(ensured).toEqual(['mac#k1', 'kek#v1']);
    expect(kmsCalls()).toEqual({ generate: 0, decrypt: 0 });
    expect(docMock.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('when another initialiser stored the secret first, keeps theirs', async () => {
    // Prepare: the first Get sees nothing, but by the time of the Put a winner exists
    const winnerSecret = randomBytes(32);
    docMock
      .on(GetCommand)
      .callsFakeOnce(() => {
        tables[options.keyringTable]?.set('mac#k1', {
          keyRef: 'mac#k1',
          wrapped: wrap(winnerSecret).toString('base64'),
          kmsKeyId: 'alias/fake-mac',
          createdAt: '2026-06-01T11:59:59Z',
        });
        return {};
      })
      .callsFake(fakeGet);

    // Act
    await makeService().initialise();
    const pseudonymiser = await makeService().pseudonymiser();

    // Assess
    expect(pseudonymiser.pseudonym('customer', 'C-1')).toBe(
      new Pseudonymiser({ version: 'k1', secret: winnerSecret }).pseudonym('customer', 'C-1'),
    );
  });

  it('propagates a KMS failure, stores nothing, and succeeds when run again', async () => {
    kmsMock.on(GenerateDataKeyCommand).rejectsOnce(new Error('KMS throttled')).callsFake(fakeGenerateDataKey);

    await expect(makeService().initialise()).rejects.toThrow('KMS throttled');
    expect(docMock.commandCalls(PutCommand)).toHaveLength(0);

    await expect(makeService().initialise()).resolves.toEqual(['mac#k1', 'kek#v1']);
  });

  it('before it ran, a request gets 503 NOT_INITIALISED and creates nothing (most functions may only decrypt)', async () => {
    const service = makeService();

    await expect(service.pseudonymiser()).rejects.toMatchObject({ status: 503, code: 'NOT_INITIALISED' });
    await expect(service.subjectKeys(['k1.subject-a'], true)).rejects.toMatchObject({
      code: 'NOT_INITIALISED',
    });
    expect(kmsCalls()).toEqual({ generate: 0, decrypt: 0 });
    expect(docMock.commandCalls(PutCommand)).toHaveLength(0);
  });
});

describe('KmsKeyService.pseudonymiser', () => {
  it('unwraps the MAC secret once, then makes no KMS or DynamoDB call within the TTL', async () => {
    await initialised();
    const service = makeService();
    const first = await service.pseudonymiser();
    const dynamoCallsBefore = docMock.calls().length;
    nowMs += options.cacheTtlMs - 1;

    const second = await service.pseudonymiser();

    expect(second).toBe(first);
    expect(first.keyVersion).toBe('k1');
    expect(first.pseudonym('customer', 'C-1')).toBe(
      new Pseudonymiser({ version: 'k1', secret: generated[0] as Buffer }).pseudonym('customer', 'C-1'),
    );
    expect(kmsCalls()).toEqual({ generate: 0, decrypt: 1 });
    expect(docMock.calls()).toHaveLength(dynamoCallsBefore);
  });

  it('after the TTL, unwraps the stored secret again with KMS Decrypt', async () => {
    // Prepare
    await initialised();
    const service = makeService();
    const first = await service.pseudonymiser();
    nowMs += options.cacheTtlMs;

    // Act
    const second = await service.pseudonymiser();

    // Assess
    expect(kmsCalls()).toEqual({ generate: 0, decrypt: 2 });
    expect(kmsMock.commandCalls(DecryptCommand)[0]?.args[0].input).toMatchObject({
      KeyId: 'alias/fake-mac',
      EncryptionContext: { purpose: 'pseudonymisation', keyRef: 'mac#k1', app: 'riskloop' },
    });
    expect(second.pseudonym('customer', 'C-1')).toBe(first.pseudonym('customer', 'C-1'));
  });

  it('unwraps an existing keyring secret with the KMS key it names', async () => {
    const secret = randomBytes(32);
    tables[options.keyringTable]?.set('mac#k1', {
      keyRef: 'mac#k1',
      wrapped: wrap(secret).toString('base64'),
      kmsKeyId: 'arn:aws:kms:eu-west-1:1:key/old',
      createdAt: '2026-01-01T00:00:00Z',
    });

    const pseudonymiser = await makeService().pseudonymiser();

    expect(kmsCalls()).toEqual({ generate: 0, decrypt: 1 });
    expect(kmsMock.commandCalls(DecryptCommand)[0]?.args[0].input.KeyId).toBe(
      'arn:aws:kms:eu-west-1:1:key/old',
    );
    expect(docMock.commandCalls(PutCommand)).toHaveLength(0);
    expect(pseudonymiser.pseudonym('customer', 'C-1')).toBe(
      new Pseudonymiser({ version: 'k1', secret }).pseudonym('customer', 'C-1'),
    );
  });

  it('shares one KMS round trip between concurrent cold-start callers', async () => {
    await initialised();
    const service = makeService();

    const all = await Promise.all(Array.from({ length: 5 }, () => service.pseudonymiser()));

    expect(kmsCalls()).toEqual({ generate: 0, decrypt: 1 });
    expect(docMock.commandCalls(GetCommand)).toHaveLength(1);
    const pseudonyms = new Set(all.map((p) => p.pseudonym('customer', 'C-1')));
    expect(pseudonyms.size).toBe(1);
  });

  it('propagates a KMS Decrypt failure', async () => {
    tables[options.keyringTable]?.set('mac#k1', {
      keyRef: 'mac#k1',
      wrapped: wrap(randomBytes(32)).toString('base64'),
      kmsKeyId: 'alias/fake-mac',
      createdAt: '2026-01-01T00:00:00Z',
    });
    kmsMock.on(DecryptCommand).rejects(new Error('AccessDeniedException'));

    await expect(makeService().pseudonymiser()).rejects.toThrow('AccessDeniedException');
  });
});

describe('KmsKeyService.subjectKeys', () => {
  const subjects = ['k1.subject-a', 'k1.subject-b', 'k1.subject-c'];

  it('creates missing subject keys with one KMS Decrypt of the KEK and no KMS call per subject', async () => {
    // Prepare
    await initialised();
    const service = makeService();

    // Act
    const keys = await service.subjectKeys(subjects, true);

    // Assess
    expect(kmsCalls()).toEqual({ generate: 0, decrypt: 1 });
    expect(kmsMock.commandCalls(DecryptCommand)[0]?.args[0].input).toMatchObject({
      EncryptionContext: { purpose: 'key-encryption', keyRef: 'kek#v1', app: 'riskloop' },
    });
    expect([...keys.keys()].sort()).toEqual(subjects);
    for (const key of keys.values()) expect(key).toHaveLength(32);
    expect(new Set([...keys.values()].map((k) => k.toString('hex'))).size).toBe(3);
    const subjectPuts = subjectKeyPuts();
    expect(subjectPuts).toHaveLength(3);
    for (const put of subjectPuts) {
      expect(put?.ConditionExpression).toBe('attribute_not_exists(pseudonym)');
    }
  });

  it('makes no KMS call beyond the KEK fetch when the pseudonymiser is already loaded', async () => {
    await initialised();
    const service = makeService();
    await service.pseudonymiser();

    await service.subjectKeys(subjects, true);

    expect(kmsCalls()).toEqual({ generate: 0, decrypt: 2 });
  });

  it('stores subject keys only wrapped', async () => {
    await initialised();
    const keys = await makeService().subjectKeys(subjects, true);

    const stored = JSON.stringify([...(tables[options.subjectKeysTable]?.values() ?? [])]);
    for (const key of keys.values()) {
      expect(stored).not.toContain(key.toString('base64'));
      expect(stored).not.toContain(key.toString('hex'));
    }
  });

  it('reads back the same keys in a fresh container with one KMS Decrypt of the KEK', async () => {
    // Prepare
    await initialised();
    const created = await makeService().subjectKeys(subjects, true);
    kmsMock.resetHistory();
    docMock.resetHistory();

    // Act
    const read = await makeService().subjectKeys(subjects, false);

    // Assess
    expect(kmsCalls()).toEqual({ generate: 0, decrypt: 1 });
    expect(subjectKeyPuts()).toHaveLength(0);
    for (const subject of subjects) {
      expect(read.get(subject)?.equals(created.get(subject) as Buffer)).toBe(true);
    }
  });

  it('when another container created a subject key first, uses theirs', async () => {
    // Prepare: container A creates the key; container B's read misses it (the race window)
    await initialised();
    const created = await makeService().subjectKeys(['k1.raced'], true);
    docMock
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { 'fake-subject-keys': [] } })
      .callsFake(fakeBatchGet);

    // Act
    const raced = await makeService().subjectKeys(['k1.raced'], true);

    // Assess
    expect(raced.get('k1.raced')?.equals(created.get('k1.raced') as Buffer)).toBe(true);
    expect(tables[options.subjectKeysTable]?.size).toBe(1);
  });

  it('serves cached subject keys without DynamoDB or KMS', async () => {
    await initialised();
    const service = makeService();
    await service.subjectKeys(subjects, true);
    kmsMock.resetHistory();
    docMock.resetHistory();

    const again = await service.subjectKeys(subjects, false);

    expect(again.size).toBe(3);
    expect(docMock.calls()).toHaveLength(0);
    expect(kmsMock.calls()).toHaveLength(0);
  });

  it('does not create keys when create is false', async () => {
    const keys = await makeService().subjectKeys(subjects, false);

    expect(keys.size).toBe(0);
    expect(docMock.commandCalls(PutCommand)).toHaveLength(0);
    expect(kmsMock.calls()).toHaveLength(0);
  });

  it('propagates a KMS failure while fetching the KEK, storing no subject key', async () => {
    await initialised();
    kmsMock.on(DecryptCommand).rejects(new Error('KMS unavailable'));

    await expect(makeService().subjectKeys(subjects, true)).rejects.toThrow('KMS unavailable');
    expect(tables[options.subjectKeysTable]?.size).toBe(0);
  });
});
